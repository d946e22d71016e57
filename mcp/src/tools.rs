//! The tools (docs/api.md §14): each one names the REST route it runs and says when to use it;
//! everything else — its scope, its arguments and their schema — is read from the OpenAPI
//! document of that route, so a tool cannot drift from the API.

/// A tool as written here: its name, when to use it, and the routes it runs (one, or one per
/// argument that selects it, as `find_client` picks a lookup by what it was given).
pub struct ToolSpec {
    pub name: &'static str,
    pub about: &'static str,
    pub routes: &'static [Route],
    /// A write: repeating it must not do it twice, so it takes an `idempotency_key`.
    pub write: bool,
}

/// One REST route a tool runs; `selector` is the argument that chooses it (`""`: the only route).
pub struct Route {
    pub selector: &'static str,
    pub method: &'static str,
    pub path: &'static str,
}

macro_rules! route {
    ($method:literal $path:literal) => {
        &[Route { selector: "", method: $method, path: $path }]
    };
}

const MONEY: &str = "Money questions are one person's business: first verify_client (or resolve_client) \
    with three of name, address, plan name and plan price, then pass the `meta.verification.token` it returns \
    as `verification_token`; without it the answer is `client_verification_required` and nothing is read.";

/// Every tool, in the order `tools/list` shows them.
pub const TOOLS: &[ToolSpec] = &[
    ToolSpec {
        name: "find_client",
        about: "Find one customer by exactly one of: `phone` (any national or international spelling), \
            `document` (dots and dashes ignored) or `service_id`. Use it first when a customer writes in.",
        routes: &[
            Route { selector: "phone", method: "GET", path: "/api/v1/clients/by-phone/{phone}" },
            Route { selector: "document", method: "GET", path: "/api/v1/clients/by-document/{document}" },
            Route { selector: "service_id", method: "GET", path: "/api/v1/clients/by-service-id/{service_id}" },
        ],
        write: false,
    },
    ToolSpec {
        name: "search_clients",
        about: "Search the client directory by words of a name, address, document or phone (staff only).",
        routes: route!("GET" "/api/v1/clients/search"),
        write: false,
    },
    ToolSpec {
        name: "resolve_client",
        about: "Identify who is writing from three of: name, address, plan name, plan price. A match returns \
            the client and, in `meta.verification.token`, the proof the money tools need.",
        routes: route!("POST" "/api/v1/clients/resolve"),
        write: false,
    },
    ToolSpec {
        name: "verify_client",
        about: "Check that the person is the holder of `service_id` with three of: name, address, plan name, \
            plan price. Success returns the proof (`meta.verification.token`) for balance, payment_promise \
            and report_payment. Repeated failures lock the service for 15 minutes.",
        routes: route!("POST" "/api/v1/clients/{service_id}/verify"),
        write: false,
    },
    ToolSpec {
        name: "update_client_contact",
        about: "Change a customer's phone or document in WispHub; the answer says whether WispHub kept it.",
        routes: route!("PUT" "/api/v1/clients/{service_id}"),
        write: true,
    },
    ToolSpec {
        name: "ticket_subjects",
        about: "The support ticket subjects of this ISP, grouped by priority; create_ticket takes one of them.",
        routes: route!("GET" "/api/v1/tickets/subjects"),
        write: false,
    },
    ToolSpec {
        name: "create_ticket",
        about: "Open a support ticket for a customer. Check outage_status first: during a known outage a \
            connectivity ticket is refused (`general_outage`), and a zone with too many open tickets answers \
            `zone_ticket_limit_reached`. Repeating the same call never opens a second ticket.",
        routes: route!("POST" "/api/v1/tickets"),
        write: true,
    },
    ToolSpec {
        name: "get_ticket",
        about: "How one ticket is going: its state, priority and the latest answer.",
        routes: route!("GET" "/api/v1/tickets/{ticket_id}"),
        write: false,
    },
    ToolSpec {
        name: "open_tickets",
        about: "A customer's open tickets, newest first, with the latest answers.",
        routes: route!("GET" "/api/v1/tickets/by-service/{service_id}"),
        write: false,
    },
    ToolSpec {
        name: "zone_status",
        about: "Whether a zone already has as many open tickets as it may have.",
        routes: route!("GET" "/api/v1/tickets/zone-blocked/{zone_id}"),
        write: false,
    },
    ToolSpec {
        name: "start_ping",
        about: "Start pinging a customer's router; returns a `task_id` for ping_result. A ping already running \
            for the service is returned instead of a second one.",
        routes: route!("POST" "/api/v1/{service_id}/ping"),
        write: false,
    },
    ToolSpec {
        name: "ping_result",
        about: "The verdict of a ping started with start_ping (`ping_pending` until it is done): stable, \
            intermittent or no internet, and whether a known outage explains it.",
        routes: route!("GET" "/api/v1/ping/{task_id}"),
        write: false,
    },
    ToolSpec {
        name: "outage_status",
        about: "Whether the ISP already knows of a general outage on the customer's router or sector.",
        routes: route!("GET" "/api/v1/{service_id}/outage"),
        write: false,
    },
    ToolSpec {
        name: "list_plans",
        about: "The internet plans on sale.",
        routes: route!("GET" "/api/v1/internet-plans"),
        write: false,
    },
    ToolSpec {
        name: "get_plan",
        about: "One plan's price and speeds.",
        routes: route!("GET" "/api/v1/internet-plans/{plan_id}"),
        write: false,
    },
    ToolSpec {
        name: "balance",
        about: "What a customer owes: pending invoices, the last payment, the cut-off date.",
        routes: route!("GET" "/api/v1/billing/{service_id}/balance"),
        write: false,
    },
    ToolSpec {
        name: "payment_methods",
        about: "How customers can pay: the ISP's payment methods and its payment portal.",
        routes: route!("GET" "/api/v1/billing/payment-methods"),
        write: false,
    },
    ToolSpec {
        name: "payment_promise",
        about: "Record a customer's promise to pay by a date (from tomorrow, a few days ahead); one active \
            promise per service. Repeating the same call never records a second promise.",
        routes: route!("POST" "/api/v1/billing/{service_id}/payment-promise"),
        write: true,
    },
    ToolSpec {
        name: "report_payment",
        about: "File the receipt of a payment the customer made by transfer, for the ISP's cashiers to review \
            (it registers nothing by itself: the balance then lists it as `in_review`). Pass the photo or PDF as \
            `receipt: {content_type, data_base64}`, with the bank `reference`, `paid_on`, `amount` and a \
            `payment_method_id` from payment_methods. The same reference is never filed twice.",
        routes: route!("POST" "/api/v1/billing/{service_id}/payment-report"),
        write: true,
    },
];

/// The sentence a money tool's description adds (its route needs the verification proof).
pub const PROOF_NOTE: &str = MONEY;
