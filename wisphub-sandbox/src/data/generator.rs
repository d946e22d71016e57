//! Generated services 2001 upward: plausible Colombian records from small word lists.
//! The word lists avoid every demo name and address word, so lookups written against the
//! demo records stay unambiguous whatever the client count.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::catalog::Named;
use super::client::{Client, Estado, Folded};

const FIRST_NAMES: [&str; 16] = [
    "Sebastián",
    "Valentina",
    "Ramón",
    "Inés",
    "Julián",
    "Sofía",
    "Martín",
    "Camila",
    "Óscar",
    "Nicolás",
    "Daniela",
    "Jesús",
    "Mónica",
    "Héctor",
    "Bárbara",
    "Tomás",
];
const SURNAMES: [&str; 16] = [
    "Martínez",
    "Hernández",
    "López",
    "García",
    "Peña",
    "Suárez",
    "Ramírez",
    "Díaz",
    "Castaño",
    "Rincón",
    "Ibáñez",
    "Orozco",
    "Quiñones",
    "Zúñiga",
    "Cárdenas",
    "Beltrán",
];
const BARRIOS: [&str; 8] =
    ["La Candelaria", "San Martín", "El Jardín", "Los Álamos", "Santa Inés", "Las Acacias", "Villa Nueva", "El Prado"];
const VEREDAS: [&str; 6] = ["El Rosal", "La Unión", "Peñas Blancas", "San Antonio", "Alto del Águila", "La Granja"];
const CITIES: [&str; 7] = ["Bogotá", "Soacha", "Chía", "Zipaquirá", "Fusagasugá", "Girardot", "Facatativá"];
const PLANS: [(&str, &str); 5] = [
    ("10MB PLUS", "65000.00"),
    ("20MB FIBRA", "90000.00"),
    ("5MB BASICO", "45000.00"),
    ("Plan Corporativo 50MB", "250000.00"),
    ("Plan Hogar 15MB", "70000.00"),
];

/// First generated service id.
pub(crate) const FIRST_GENERATED_ID: i64 = 2001;

/// `count` generated services. One RNG stream in order, so the first k records are the same
/// whatever `count` is (tickets rely on that).
pub(crate) fn generate(seed: u64, count: usize) -> Vec<Client> {
    let mut rng = SmallRng::seed_from_u64(seed);
    (0..count).map(|k| generated(&mut rng, k)).collect()
}

fn pick<'a>(rng: &mut SmallRng, words: &[&'a str]) -> &'a str {
    words[rng.random_range(0..words.len())]
}

fn generated(rng: &mut SmallRng, k: usize) -> Client {
    let id = FIRST_GENERATED_ID + k as i64;
    let mut nombre = pick(rng, &FIRST_NAMES).to_string();
    if rng.random_bool(0.3) {
        nombre = format!("{nombre} {}", pick(rng, &FIRST_NAMES));
    }
    let apellidos = format!("{} {}", pick(rng, &SURNAMES), pick(rng, &SURNAMES));
    let (direccion, localidad) = if rng.random_bool(0.6) {
        let barrio = pick(rng, &BARRIOS);
        let street = if rng.random_bool(0.5) { "Calle" } else { "Carrera" };
        let (a, b, c) = (rng.random_range(1..120), rng.random_range(1..90), rng.random_range(1..80));
        (format!("{street} {a} # {b}-{c}, Barrio {barrio}"), barrio.to_string())
    } else {
        let vereda = pick(rng, &VEREDAS);
        (format!("Vereda {vereda}, Casa {}", rng.random_range(1..60)), vereda.to_string())
    };
    // Multipliers coprime with 10^8 keep documents and phones unique for any k below 10^8.
    let cedula = format!("71{:08}", (k as u64 * 7919 + 104_729) % 100_000_000);
    let mut telefono = format!("35{:08}", (k as u64 * 6007 + 2_500_000) % 100_000_000);
    if rng.random_bool(0.1) {
        telefono = format!("{telefono}, 36{:08}", (k as u64 * 6007 + 7_300_000) % 100_000_000);
    }
    let roll: f64 = rng.random();
    let estado = if roll < 0.8 {
        Estado::Activo
    } else if roll < 0.92 {
        Estado::Suspendido
    } else {
        Estado::Cancelado
    };
    let plan_idx = rng.random_range(0..PLANS.len());
    let (plan_name, price) = PLANS[plan_idx];
    let price_value: f64 = price.parse().unwrap_or(0.0);
    let (estado_facturas, saldo) = match estado {
        Estado::Suspendido => ("Vencidas", format!("{:.2}", price_value * 2.0)),
        Estado::Activo if rng.random_bool(0.2) => ("Pendiente de Pago", price.to_string()),
        _ => ("Pagadas", "0.00".to_string()),
    };
    let mut client = Client {
        id,
        usuario: format!("cliente{id}@sandbox"),
        nombre,
        apellidos,
        cedula,
        telefono,
        email: format!("cliente{id}@correo.example"),
        direccion,
        localidad,
        ciudad: pick(rng, &CITIES).to_string(),
        estado,
        estado_facturas,
        saldo,
        precio_plan: Some(price.to_string()),
        fecha_corte: format!("{}/05/2026", rng.random_range(1..=28)),
        ip: format!("172.17.{}.{}", k / 250, k % 250 + 2),
        interfaz_lan: if rng.random_bool(0.5) { "VLAN_INTERNET".into() } else { String::new() },
        plan: Named { id: plan_idx as i64 + 1, nombre: plan_name.into() },
        // Round-robin zones: every zone 1..9 has services as soon as 9 are generated.
        zona: (k % 9) as i64 + 1,
        tecnico: if rng.random_bool(0.5) { 7 } else { 8 },
        coordenadas: format!("4.{:05},-74.{:05}", rng.random_range(50_000..70_000), rng.random_range(1_000..20_000)),
        folded: Folded::default(),
    };
    client.refold();
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn fifty_thousand_records_have_unique_ids_ips_documents_and_phones() {
        let clients = generate(7, 50_000);
        assert_eq!(clients.len(), 50_000);
        assert_eq!(clients.last().map(|c| c.id), Some(FIRST_GENERATED_ID + 49_999));
        let ips: HashSet<_> = clients.iter().map(|c| c.ip.as_str()).collect();
        let docs: HashSet<_> = clients.iter().map(|c| c.cedula.as_str()).collect();
        let phones: HashSet<_> = clients.iter().map(|c| &c.telefono[..10]).collect();
        assert_eq!((ips.len(), docs.len(), phones.len()), (50_000, 50_000, 50_000));
    }

    #[test]
    fn a_shorter_run_is_a_prefix_of_a_longer_one() {
        let short = generate(7, 20);
        let long = generate(7, 200);
        assert!(short.iter().zip(&long).all(|(a, b)| a.full_name() == b.full_name() && a.ip == b.ip));
    }

    #[test]
    fn phones_are_ten_digits_starting_with_3_and_mostly_active() {
        let clients = generate(11, 1000);
        assert!(clients.iter().all(|c| c.telefono.len() >= 10 && c.telefono.starts_with('3')));
        let active = clients.iter().filter(|c| c.estado == Estado::Activo).count();
        assert!(active > 700, "{active} active of 1000");
    }
}
