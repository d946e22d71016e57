//! One client service record and the three shapes WispHub shows it in (list, detail, profile).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::catalog::{self, Named};
use super::devices::{Device, GeneralFaults};
use crate::text::fold;

/// Service status (`estado`), spelled as WispHub labels it; the numeric code is what `?estado=`
/// filters on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Estado {
    Activo = 1,
    Suspendido = 2,
    Cancelado = 3,
    Gratis = 4,
}

/// Billing status (`estado_facturas`), spelled as WispHub labels it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum EstadoFacturas {
    Pagadas,
    #[serde(rename = "Pendiente de Pago")]
    PendienteDePago,
    Vencidas,
}

impl EstadoFacturas {
    pub(crate) fn label(self) -> &'static str {
        match self {
            EstadoFacturas::Pagadas => "Pagadas",
            EstadoFacturas::PendienteDePago => "Pendiente de Pago",
            EstadoFacturas::Vencidas => "Vencidas",
        }
    }
}

impl Estado {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Estado::Activo => "Activo",
            Estado::Suspendido => "Suspendido",
            Estado::Cancelado => "Cancelado",
            Estado::Gratis => "Gratis",
        }
    }
}

/// One service (WispHub lists one record per service, not per person).
#[derive(Clone, Debug)]
pub(crate) struct Client {
    pub id: i64,
    pub usuario: String,
    pub nombre: String,
    pub apellidos: String,
    pub cedula: String,
    pub telefono: String,
    pub email: String,
    pub direccion: String,
    pub localidad: String,
    pub ciudad: String,
    pub estado: Estado,
    pub estado_facturas: &'static str,
    pub saldo: String,
    pub precio_plan: Option<String>,
    pub fecha_corte: String,
    pub ip: String,
    pub interfaz_lan: String,
    pub plan: Named,
    pub zona: i64,
    pub tecnico: i64,
    pub coordenadas: String,
    /// Folded copies for the `__contains` filters, so a 50,000-record scan does no Unicode work.
    pub folded: Folded,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Folded {
    pub nombre: String,
    pub apellidos: String,
    pub telefono: String,
    pub cedula: String,
    pub usuario: String,
}

/// The profile fields `GET/PUT /api/clientes/{id}/perfil/` knows.
pub(crate) const PROFILE_FIELDS: [&str; 8] =
    ["nombre", "apellidos", "cedula", "direccion", "localidad", "ciudad", "telefono", "email"];

impl Client {
    pub(crate) fn full_name(&self) -> String {
        format!("{} {}", self.nombre, self.apellidos).trim().to_string()
    }

    pub(crate) fn refold(&mut self) {
        self.folded = Folded {
            nombre: fold(&self.full_name()),
            apellidos: fold(&self.apellidos),
            telefono: fold(&self.telefono),
            cedula: fold(&self.cedula),
            usuario: fold(&self.usuario),
        };
    }

    /// `faults` are the general faults right now: WispHub renders the router and sectorial live.
    pub(crate) fn list_record(&self, faults: &GeneralFaults) -> ListRecord<'_> {
        ListRecord {
            id_servicio: self.id,
            usuario: &self.usuario,
            nombre: self.full_name(),
            cedula: &self.cedula,
            telefono: &self.telefono,
            email: &self.email,
            direccion: &self.direccion,
            localidad: &self.localidad,
            ciudad: &self.ciudad,
            estado: self.estado.label(),
            estado_facturas: self.estado_facturas,
            saldo: &self.saldo,
            precio_plan: self.precio_plan.as_deref(),
            fecha_corte: &self.fecha_corte,
            ip: &self.ip,
            interfaz_lan: &self.interfaz_lan,
            plan_internet: self.plan.clone(),
            zona: catalog::zone(self.zona),
            tecnico: catalog::technician(self.tecnico),
            router: faults.router(self.zona),
            sectorial: faults.sectorial(self.zona),
            // Fake secrets: the real record carries these, and our API must never pass them on.
            password_servicio: format!("s3cr3t-{}", self.id),
            password_cpe: format!("cpe-{}-pass", self.id),
            password_router_wifi: format!("wifi-{}-clave", self.id),
            password_ssid_router_wifi: format!("ssid-{}-clave", self.id),
            ssid_router_wifi: format!("WISP_{}", self.id),
            coordenadas: &self.coordenadas,
            mac_cpe: mac(0xC0, self.id),
            mac_router: mac(0xDC, self.id),
            fecha_instalacion: "15/01/2024",
            fecha_cancelacion: (self.estado == Estado::Cancelado).then_some("28/02/2026"),
            comentarios: "",
            forma_contratacion: "Oficina",
            descuento: "0.00",
            firewall: true,
        }
    }

    /// `GET /api/clientes/{id}/`: another serializer, poorer and with `nombre` null.
    pub(crate) fn detail_record(&self, faults: &GeneralFaults) -> Value {
        json!({
            "id_servicio": self.id,
            "usuario": self.usuario,
            "nombre": null,
            "cedula": self.cedula,
            "direccion": self.direccion,
            "estado": self.estado.label(),
            "plan_internet": self.plan,
            "zona": catalog::zone(self.zona),
            "router": faults.router(self.zona),
            "sectorial": faults.sectorial(self.zona),
            "ip": self.ip,
        })
    }

    pub(crate) fn profile(&self) -> Value {
        json!({
            "nombre": self.nombre,
            "apellidos": self.apellidos,
            "cedula": self.cedula,
            "direccion": self.direccion,
            "localidad": self.localidad,
            "ciudad": self.ciudad,
            "telefono": self.telefono,
            "email": self.email,
        })
    }

    /// Stores one profile field; unknown names are ignored as DRF ignores unknown input.
    pub(crate) fn set_profile_field(&mut self, field: &str, value: String) {
        let slot = match field {
            "nombre" => &mut self.nombre,
            "apellidos" => &mut self.apellidos,
            "cedula" => &mut self.cedula,
            "direccion" => &mut self.direccion,
            "localidad" => &mut self.localidad,
            "ciudad" => &mut self.ciudad,
            "telefono" => &mut self.telefono,
            "email" => &mut self.email,
            _ => return,
        };
        *slot = value;
        self.refold();
    }

    /// The nested `servicio` of a ticket, as the service stands under `faults`.
    pub(crate) fn ticket_service(&self, faults: &GeneralFaults) -> Value {
        json!({
            "id_servicio": self.id,
            "nombre": self.full_name(),
            "cedula": self.cedula,
            "direccion": self.direccion,
            "telefono": self.telefono,
            "ip": self.ip,
            "plan_internet": self.plan,
            "zona": catalog::zone(self.zona),
            "router": faults.router(self.zona),
            "sectorial": faults.sectorial(self.zona),
        })
    }

    /// `GET /api/clientes/{id}/saldo/`: one open invoice per plan price owed.
    pub(crate) fn balance(&self) -> Value {
        let owed: f64 = self.saldo.parse().unwrap_or(0.0);
        let price: f64 = self.precio_plan.as_deref().and_then(|p| p.parse().ok()).unwrap_or(owed);
        let mut facturas = Vec::new();
        let mut left = owed;
        let mut n = 0;
        while left > 0.0 && n < 6 {
            let total = if price > 0.0 { price.min(left) } else { left };
            facturas.push(json!({
                "id_factura": self.id * 10 + n,
                "total": format!("{total:.2}"),
                "fecha_vencimiento": format!("2026-{:02}-08", 5 - n.min(4)),
            }));
            left -= total;
            n += 1;
        }
        json!({ "nombre": self.full_name(), "saldo": self.saldo, "facturas": facturas })
    }
}

fn mac(prefix: u8, id: i64) -> String {
    let b = id.to_be_bytes();
    format!("{prefix:02X}:EF:80:{:02X}:{:02X}:{:02X}", b[5], b[6], b[7])
}

/// The list serializer's record; field order is the wire order.
#[derive(Serialize)]
pub(crate) struct ListRecord<'a> {
    id_servicio: i64,
    usuario: &'a str,
    nombre: String,
    cedula: &'a str,
    telefono: &'a str,
    email: &'a str,
    direccion: &'a str,
    localidad: &'a str,
    ciudad: &'a str,
    estado: &'static str,
    estado_facturas: &'static str,
    saldo: &'a str,
    precio_plan: Option<&'a str>,
    fecha_corte: &'a str,
    ip: &'a str,
    interfaz_lan: &'a str,
    plan_internet: Named,
    zona: Named,
    tecnico: Named,
    router: Device,
    sectorial: Option<Device>,
    password_servicio: String,
    password_cpe: String,
    password_router_wifi: String,
    password_ssid_router_wifi: String,
    ssid_router_wifi: String,
    coordenadas: &'a str,
    mac_cpe: String,
    mac_router: String,
    fecha_instalacion: &'static str,
    fecha_cancelacion: Option<&'static str>,
    comentarios: &'static str,
    forma_contratacion: &'static str,
    descuento: &'static str,
    firewall: bool,
}
