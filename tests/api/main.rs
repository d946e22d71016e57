//! Black-box tests of the whole API, one module per resource group; one binary for a short link.

mod helpers;

mod api_keys;
mod auth;
mod billing;
mod clients;
mod directory;
mod door;
mod events;
mod lambda;
mod lost_answers;
mod mcp;
mod network;
mod outage_customers;
mod outages;
mod payment_reports;
mod plans;
mod protocol;
mod registry;
mod template;
mod tickets;
mod webhooks;
mod wisphub;
mod zone_bursts;
