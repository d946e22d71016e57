//! A payment receipt, recognised by its bytes (docs/api.md §15): a JPEG, PNG, HEIC/HEIF or PDF — what
//! WispHub accepts — whatever name or type the sender gave it. Its bytes go to WispHub and nowhere
//! else: records and logs keep its kind, size and SHA-256.

use bytes::Bytes;
use sha2::{Digest, Sha256};
use shared::ApiError;

/// What a receipt is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptKind {
    Jpeg,
    Png,
    Heif,
    Pdf,
}

impl ReceiptKind {
    /// The kind the first bytes show, if it is one WispHub takes.
    fn of(bytes: &[u8]) -> Option<Self> {
        match infer::get(bytes)?.mime_type() {
            "image/jpeg" => Some(ReceiptKind::Jpeg),
            "image/png" => Some(ReceiptKind::Png),
            "image/heif" => Some(ReceiptKind::Heif),
            "application/pdf" => Some(ReceiptKind::Pdf),
            _ => None,
        }
    }

    /// Whether a declared content type names this kind (HEIC photos are HEIF files).
    fn answers_to(self, declared: &str) -> bool {
        let declared = declared.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match self {
            ReceiptKind::Jpeg => matches!(declared.as_str(), "image/jpeg" | "image/jpg" | "image/pjpeg"),
            ReceiptKind::Png => declared == "image/png",
            ReceiptKind::Heif => matches!(declared.as_str(), "image/heic" | "image/heif"),
            ReceiptKind::Pdf => declared == "application/pdf",
        }
    }

    /// The content type the file is sent to WispHub with.
    pub fn mime(self) -> &'static str {
        match self {
            ReceiptKind::Jpeg => "image/jpeg",
            ReceiptKind::Png => "image/png",
            ReceiptKind::Heif => "image/heic",
            ReceiptKind::Pdf => "application/pdf",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            ReceiptKind::Jpeg => "jpg",
            ReceiptKind::Png => "png",
            ReceiptKind::Heif => "heic",
            ReceiptKind::Pdf => "pdf",
        }
    }
}

/// A receipt that passed its checks.
#[derive(Clone)]
pub struct Receipt {
    pub kind: ReceiptKind,
    pub bytes: Bytes,
}

// Never the bytes.
impl std::fmt::Debug for Receipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receipt").field("kind", &self.kind).field("size", &self.bytes.len()).finish()
    }
}

impl Receipt {
    /// The receipt in `bytes`, declared as `declared` (a multipart part's type, or the JSON form's
    /// `content_type`): 413 past `max_bytes`, 422 naming `receipt` when empty, not a kind WispHub
    /// takes, or not what was declared.
    pub fn check(bytes: Bytes, declared: Option<&str>, max_bytes: usize) -> Result<Self, ApiError> {
        if bytes.len() > max_bytes {
            return Err(ApiError::ReceiptTooLarge { max_bytes });
        }
        let Some(kind) = ReceiptKind::of(&bytes) else {
            return Err(ApiError::invalid("receipt", "debe ser una imagen JPEG, PNG o HEIC, o un PDF"));
        };
        if let Some(declared) = declared.filter(|d| !d.trim().is_empty() && *d != "application/octet-stream")
            && !kind.answers_to(declared)
        {
            return Err(ApiError::invalid("receipt", format!("el contenido es {}, no {declared}", kind.mime())));
        }
        Ok(Receipt { kind, bytes })
    }

    /// The file name WispHub gets.
    pub fn file_name(&self) -> String {
        format!("comprobante.{}", self.kind.extension())
    }

    /// Hex SHA-256 of the bytes: what records and logs may keep of a receipt.
    pub fn sha256(&self) -> String {
        Sha256::digest(&self.bytes).iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";

    fn check(bytes: &[u8], declared: Option<&str>) -> Result<ReceiptKind, String> {
        Receipt::check(Bytes::copy_from_slice(bytes), declared, 1024).map(|r| r.kind).map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn a_receipt_is_what_its_bytes_say_and_must_match_its_declared_type() {
        assert_eq!(check(PNG, Some("image/png")), Ok(ReceiptKind::Png));
        assert_eq!(check(PDF, None), Ok(ReceiptKind::Pdf));
        assert_eq!(check(PDF, Some("application/octet-stream")), Ok(ReceiptKind::Pdf));
        assert!(check(PDF, Some("image/jpeg")).unwrap_err().contains("receipt"));
        assert!(check(b"not an image at all", Some("image/jpeg")).unwrap_err().contains("receipt"));
        assert!(check(b"GIF89a\x01\0\x01\0", Some("image/gif")).unwrap_err().contains("receipt"));
        assert!(check(&[0u8; 2048], None).unwrap_err().contains("ReceiptTooLarge"));
    }
}
