use axum::http::HeaderValue;

use super::*;

#[test]
fn wisphub_ids_must_be_positive() {
    assert_eq!(ServiceId::new(1001).map(ServiceId::get), Ok(1001));
    for bad in [0, -1, i64::MIN] {
        assert_eq!(ServiceId::new(bad), Err("debe ser un entero positivo"), "{bad}");
        assert!(ZoneId::new(bad).is_err() && TicketId::new(bad).is_err() && PlanId::new(bad).is_err(), "{bad}");
    }
    assert_eq!(ZoneId::new(3).unwrap().to_string(), "3");
}

#[test]
fn a_task_id_is_any_spelling_of_a_uuid_kept_hyphenated() {
    let ours = "0b6c8f2e-4f1a-4c37-9d0e-6a3c1f9e2b71";
    for spelling in [ours, " 0B6C8F2E-4F1A-4C37-9D0E-6A3C1F9E2B71 ", "0b6c8f2e4f1a4c379d0e6a3c1f9e2b71"] {
        assert_eq!(TaskId::parse(spelling).as_ref().map(TaskId::as_str), Some(ours), "{spelling}");
    }
    for bad in ["", "12", "not-a-task", "0b6c8f2e-4f1a-4c37-9d0e-6a3c1f9e2b7"] {
        assert_eq!(TaskId::parse(bad), None, "{bad}");
    }
    assert_eq!(<TaskRef as PathValue>::parse("x".into()), Ok(TaskRef(None)), "no UUID names no task, not a 422");
}

#[test]
fn a_document_is_its_letters_and_digits_and_storing_one_takes_5_to_20() {
    assert_eq!(Document::key("52.345.678"), "52345678");
    assert_eq!(Document::parse("1-023 456.789").unwrap().as_str(), "1023456789");
    assert_eq!(Document::parse("nit 900.1-x").unwrap().as_str(), "NIT9001X");
    assert_eq!(Document::parse(" .-. "), Err("no contiene dígitos ni letras"));
    assert!(Document::parse(&"1".repeat(40)).is_ok(), "a lookup takes any length");

    assert!(Document::storable(&"1".repeat(20)).is_ok());
    assert_eq!(Document::storable("1.2.3.4"), Err("debe tener al menos 5 caracteres alfanuméricos"));
    assert_eq!(Document::storable("..."), Err("debe tener al menos 5 caracteres alfanuméricos"));
    assert_eq!(Document::storable(&"1".repeat(21)), Err("debe tener como máximo 20 caracteres alfanuméricos"));
}

#[test]
fn a_phone_is_one_number_in_every_spelling() {
    for spelling in ["+57 300-123 4567", "00573001234567", "573001234567", "3001234567", "(300) 123 4567"] {
        assert_eq!(Phone::parse(spelling).unwrap().national("57"), "3001234567", "{spelling}");
    }
    assert_eq!(Phone::parse("1234567").unwrap().national("57"), "1234567");
    assert_eq!(Phone::parse("57123456").unwrap().national("57"), "57123456", "too short to hold a country code");
    for bad in ["12", "", "abc", "0012345", "+57 12"] {
        assert_eq!(Phone::parse(bad), Err("no es un número telefónico"), "{bad}");
    }
}

#[test]
fn a_phone_written_to_wisphub_fits_fifteen_digits_with_its_country_code() {
    let international = |raw: &str| Phone::storable(raw, "57").map(|p| p.international("57"));
    assert_eq!(international("+57 300 123 4567").as_deref(), Ok("+573001234567"));
    assert_eq!(international("+57 3001234567890").as_deref(), Ok("+573001234567890"));
    assert_eq!(international("1234567890123456"), Err("debe tener como máximo 15 dígitos con el indicativo del país"));
    assert_eq!(international("12"), Err("no es un número telefónico"), "a phone first");
}

fn headers(value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(IdempotencyKey::HEADER, HeaderValue::from_str(value).expect("header value"));
    headers
}

#[test]
fn idempotency_keys_must_be_1_to_200_visible_ascii_characters() {
    assert!(IdempotencyKey::from_headers(&HeaderMap::new()).unwrap().is_none());
    assert!(IdempotencyKey::from_headers(&headers("wamid.HBgM=")).unwrap().is_some());
    for bad in ["", "con espacio", &"x".repeat(201)] {
        let refused = IdempotencyKey::from_headers(&headers(bad)).unwrap_err();
        let ApiError::Validation(problems) = refused else { panic!("{bad:?}: not a 422") };
        assert_eq!(problems[0].field, "Idempotency-Key", "{bad:?}");
        assert_eq!(problems[0].problem, "debe tener de 1 a 200 caracteres ASCII visibles", "{bad:?}");
    }
    let mut not_text = HeaderMap::new();
    not_text.insert(IdempotencyKey::HEADER, HeaderValue::from_bytes(b"caf\xe9").unwrap());
    assert!(IdempotencyKey::from_headers(&not_text).is_err());
}

#[test]
fn two_callers_with_one_key_get_two_records() {
    let key = |raw: &str| IdempotencyKey::parse(raw).unwrap();
    assert_ne!(key("k").record_key("a#b"), key("b#k").record_key("a"));
    assert!(key("k").record_key("bot").starts_with("IDEM#"));
}
