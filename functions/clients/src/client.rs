//! The client object of docs/api.md §4 (defined in `shared`: the directory snapshot holds it too) and
//! its OpenAPI example.

pub use shared::directory::Client;

/// The example shown in the OpenAPI document (demo data, not a real person).
pub fn example() -> serde_json::Value {
    serde_json::json!({
        "service_id": 1001, "name": "José Pérez Gómez", "document": "1023456789", "phone": "3001234567",
        "address": "Vereda El Peñón, Casa 4", "city": "Bogotá", "locality": "El Peñón",
        "payment_status": "Pagadas", "service_status": "Activo", "zone_id": 1, "antenna_ip": "172.16.12.25",
        "cut_off_date": "2026-05-08", "outstanding_balance": 0.0, "lan_interface": "VLAN_INTERNET",
        "internet_plan_name": "10MB PLUS", "internet_plan_price": 65000.0, "technician_id": 7
    })
}
