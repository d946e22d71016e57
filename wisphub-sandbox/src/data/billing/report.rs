//! `POST /api/facturas/reportar-pago/{id}/`: what WispHub checks in a payment report (six parts,
//! every error at once, DRF style) and the record the sandbox keeps of it. A report is a note for
//! the ISP's cashiers: it changes no invoice.

use chrono::NaiveDateTime;
use serde_json::{Map, Value, json};

use super::payment_method;
use crate::body::Upload;
use crate::data::drf::{Form, REQUIRED};

const FILE_PART: &str = "comprobante_pago_archivo";
const DATE_FORMAT: &str = "%Y-%m-%d %H:%M";
/// `DATE_FORMAT` as DRF's error names it.
const DATE_SHOWN: &str = "YYYY-MM-DD hh:mm";
const MAX_REFERENCIA: usize = 100;

/// Receipt types accepted, judged by the part's declared type: PDF, DOC/DOCX, JPEG, PNG, GIF,
/// HEIF/HEIC (WebP is not).
const RECEIPT_TYPES: [&str; 9] = [
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "image/jpeg",
    // Not registered, yet sent by many phone apps for JPEG.
    "image/jpg",
    "image/png",
    "image/gif",
    "image/heif",
    "image/heic",
];

/// A report WispHub accepted.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PaymentReport {
    pub forma_pago: i64,
    pub fecha_pago: NaiveDateTime,
    pub referencia: String,
    pub comprobante_pago: String,
    pub nombre_user: String,
    pub receipt: Upload,
}

impl PaymentReport {
    /// What `Sandbox::payment_reports` and `/_sandbox/payment-reports` show (never the file's bytes).
    pub(crate) fn record(&self, id_factura: i64, task_id: &str, recibida: NaiveDateTime) -> Value {
        let mut record = json!({
            "id_factura": id_factura,
            "forma_pago": self.forma_pago,
            "fecha_pago": self.fecha_pago.format(DATE_FORMAT).to_string(),
            "referencia": self.referencia,
            "comprobante_pago": self.comprobante_pago,
            "nombre_user": self.nombre_user,
        });
        if let (Some(record), Value::Object(file)) = (record.as_object_mut(), self.receipt.describe()) {
            record.extend(file);
            record.insert("task_id".into(), json!(task_id));
            record.insert("recibida".into(), json!(format!("{}-05:00", recibida.format("%Y-%m-%dT%H:%M:%S"))));
        }
        record
    }
}

/// The 200 answer: the review task and a message.
pub(crate) fn answer(task_id: &str) -> Value {
    json!({ "task_id": task_id, "messages": ["Pago reportado correctamente."] })
}

/// The receipt file: declared as one of `RECEIPT_TYPES`, not empty.
fn receipt(form: &mut Form, files: &[Upload]) -> Option<Upload> {
    let Some(file) = files.iter().find(|f| f.field == FILE_PART) else {
        // The part sent as text (no filename) is there, but it is not a file.
        let message = if form.has(FILE_PART) {
            "La información enviada no era un archivo. Compruebe el tipo de codificación del formulario."
        } else {
            REQUIRED
        };
        form.fail(FILE_PART, message.into());
        return None;
    };
    let declared = file.content_type.as_deref().unwrap_or("");
    if file.size == 0 {
        form.fail(FILE_PART, "El archivo enviado está vacío.".into());
    } else if !RECEIPT_TYPES.contains(&declared) {
        let shown = if declared.is_empty() { "sin tipo" } else { declared };
        let message =
            format!("Tipo de archivo no permitido ({shown}): envíe PDF, DOC, DOCX, JPEG, PNG, GIF o HEIF/HEIC.");
        form.fail(FILE_PART, message);
    } else {
        return Some(file.clone());
    }
    None
}

/// The report, or DRF's 400 body naming every bad or missing part (text parts trimmed as DRF's
/// CharField does).
pub(crate) fn validate(fields: &Map<String, Value>, files: &[Upload]) -> Result<PaymentReport, Map<String, Value>> {
    let mut c = Form::trimmed(fields);
    let forma_pago = c.primary_key("forma_pago", |id| payment_method(id).is_some());
    let fecha_pago = c.datetime("fecha_pago", DATE_FORMAT, DATE_SHOWN);
    let referencia = c.text_up_to("referencia", MAX_REFERENCIA);
    let comprobante_pago = c.text_or_blank("comprobante_pago");
    let nombre_user = c.text_or_blank("nombre_user");
    let receipt = receipt(&mut c, files);
    c.finish(|| {
        Some(PaymentReport {
            forma_pago: forma_pago?,
            fecha_pago: fecha_pago?,
            referencia: referencia?,
            comprobante_pago: comprobante_pago?,
            nombre_user: nombre_user?,
            receipt: receipt?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::drf::BLANK;

    fn receipt(content_type: Option<&str>, size: u64) -> Upload {
        Upload {
            field: FILE_PART.into(),
            file_name: "recibo.pdf".into(),
            content_type: content_type.map(str::to_string),
            size,
            sha256: "00".repeat(32),
        }
    }

    fn fields() -> Map<String, Value> {
        let value = json!({
            "forma_pago": "16749", "fecha_pago": "2026-05-08 14:30", "referencia": " 0012345678 ",
            "comprobante_pago": "Pagué 65000", "nombre_user": "",
        });
        value.as_object().cloned().unwrap_or_default()
    }

    fn errors_for(edit: impl FnOnce(&mut Map<String, Value>), file: Option<Upload>) -> Map<String, Value> {
        let mut fields = fields();
        edit(&mut fields);
        validate(&fields, &file.into_iter().collect::<Vec<_>>()).expect_err("should be refused")
    }

    #[test]
    fn a_complete_report_passes_trimmed_with_empty_note_fields_allowed() {
        let report = validate(&fields(), &[receipt(Some("application/pdf"), 10)]).expect("valid");
        assert_eq!(
            (report.forma_pago, report.referencia.as_str(), report.nombre_user.as_str()),
            (16749, "0012345678", "")
        );
        let record = report.record(40012, "t", NaiveDateTime::default());
        assert_eq!(
            (record["fecha_pago"].clone(), record["file_type"].clone()),
            (json!("2026-05-08 14:30"), json!("application/pdf"))
        );
    }

    #[test]
    fn each_missing_part_is_reported_as_required() {
        for field in ["forma_pago", "fecha_pago", "referencia", "comprobante_pago", "nombre_user"] {
            let errors = errors_for(
                |f| {
                    f.remove(field);
                },
                Some(receipt(Some("image/png"), 1)),
            );
            assert_eq!(Value::Object(errors), json!({ field: [REQUIRED] }), "missing {field}");
        }
        let errors = errors_for(|_| {}, None);
        assert_eq!(Value::Object(errors), json!({ FILE_PART: [REQUIRED] }));
    }

    #[test]
    fn bad_method_date_reference_and_receipt_type_are_refused_together() {
        let errors = errors_for(
            |f| {
                f.insert("forma_pago".into(), json!("99"));
                f.insert("fecha_pago".into(), json!("08/05/2026 14:30"));
                f.insert("referencia".into(), json!("x".repeat(101)));
            },
            Some(receipt(Some("image/webp"), 5)),
        );
        let mut keys: Vec<_> = errors.keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["comprobante_pago_archivo", "fecha_pago", "forma_pago", "referencia"]);
        assert_eq!(errors["forma_pago"], json!(["Clave primaria \"99\" inválida - objeto no existe."]));
        assert!(errors[FILE_PART][0].as_str().is_some_and(|m| m.contains("image/webp")));
    }

    #[test]
    fn blank_reference_empty_or_untyped_file_and_text_instead_of_file_are_refused() {
        let errors = errors_for(
            |f| {
                f.insert("referencia".into(), json!("  "));
            },
            Some(receipt(Some("image/gif"), 0)),
        );
        assert_eq!(errors["referencia"], json!([BLANK]));
        assert_eq!(errors[FILE_PART], json!(["El archivo enviado está vacío."]));
        let errors = errors_for(|_| {}, Some(receipt(None, 3)));
        assert!(errors[FILE_PART][0].as_str().is_some_and(|m| m.contains("sin tipo")));
        let errors = errors_for(
            |f| {
                f.insert(FILE_PART.into(), json!("JVBERi0x"));
            },
            None,
        );
        assert!(errors[FILE_PART][0].as_str().is_some_and(|m| m.contains("no era un archivo")));
    }
}
