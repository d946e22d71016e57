//! The changes between two versions of the client directory, told from their facts.

use super::facts::{Facts, Status};
use super::{Change, EventData, EventType, OutageData, ServiceData};
use crate::wisphub::payment_status::PaymentStatus;

/// What changed from `old` to `new`, outages first (by scope and device id), then services by id.
/// A service only one version holds is no change. A device first seen flagged is raised (nobody was
/// told yet); one no longer seen tells nothing, as no record shows its flag any more.
pub fn diff(old: &Facts, new: &Facts) -> Vec<Change> {
    let mut changes = Vec::new();
    if old.has_devices {
        for (&(scope, device_id), now) in &new.devices {
            let before = old.devices.get(&(scope, device_id));
            let was_flagged = before.is_some_and(|d| d.fault);
            let kind = match (was_flagged, now.fault) {
                (false, true) => EventType::OutageRaised,
                (true, false) => EventType::OutageCleared,
                (true, true) if before.is_some_and(|d| d.description != now.description) => EventType::OutageUpdated,
                _ => continue,
            };
            let data = OutageData {
                scope,
                device_id,
                device_name: now.name.as_deref().map(str::to_owned),
                description: now.description.as_deref().map(str::to_owned),
                affected_services: now.affected,
            };
            changes.push(Change { kind, data: EventData::Outage(data) });
        }
    }
    let mut before = old.services.iter().peekable();
    for now in &new.services {
        while before.next_if(|service| service.id < now.id).is_some() {}
        let Some(was) = before.next_if(|service| service.id == now.id) else { continue };
        let service = EventData::Service(ServiceData { service_id: now.id });
        let status = match (was.status, now.status) {
            (Status::Active, Status::Suspended) => Some(EventType::ServiceSuspended),
            (Status::Suspended, Status::Active) => Some(EventType::ServiceReactivated),
            _ => None,
        };
        let owed = matches!(was.billing, Some(PaymentStatus::Pending | PaymentStatus::Overdue));
        let settled = (owed && now.billing == Some(PaymentStatus::Paid)).then_some(EventType::BillingSettled);
        for kind in [status, settled].into_iter().flatten() {
            changes.push(Change { kind, data: service.clone() });
        }
    }
    changes
}

#[cfg(test)]
#[path = "diff_tests.rs"]
mod tests;
