//! The API described: the routes are registered through utoipa-axum from the handlers' own
//! `#[utoipa::path]` annotations, so the OpenAPI 3 document cannot drift from the router.
//! Served as JSON at `/docs/openapi.json` and browsable with Swagger UI at `/docs`.

use axum::{Router, extract::DefaultBodyLimit};
use utoipa::{
    Modify, OpenApi, ToSchema,
    openapi::{
        self, RefOr, Response,
        link::LinkBuilder,
        path::{Operation, ParameterIn},
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};
use utoipa_axum::{
    router::{OpenApiRouter, UtoipaMethodRouter, UtoipaMethodRouterExt},
    routes,
};
use utoipa_swagger_ui::SwaggerUi;

use crate::{AppState, handlers};

/// Where the document is served (Swagger UI reads it from here too).
pub const OPENAPI_PATH: &str = "/docs/openapi.json";

/// A failure: `status_code` repeats the HTTP status (never 0) and `status_msg` says why.
// Only describes error.rs's body; the range makes a fuzzer check every error is non-zero.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    #[schema(minimum = 400, maximum = 599)]
    status_code: u16,
    status_msg: String,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "GopherTok",
        description = "The simple Douyin REST API. Every route also answers without its \
            trailing slash; parameters may come in the query, a urlencoded, multipart or JSON \
            body, and the query wins."
    ),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

/// The app's API routes, each in both slash forms, and the document describing them.
/// `upload_limit` is the body limit of the publish route.
pub fn api(upload_limit: DefaultBodyLimit) -> (Router<AppState>, openapi::OpenApi) {
    let routes = [
        routes!(handlers::register::handle),
        routes!(handlers::login::handle),
        routes!(handlers::user_info::handle),
        routes!(handlers::feed::handle),
        routes!(handlers::favorite_action::handle),
        routes!(handlers::favorite_list::handle),
        routes!(handlers::comment_action::handle),
        routes!(handlers::comment_list::handle),
        routes!(handlers::relation_action::handle),
        routes!(handlers::relation_list::follows),
        routes!(handlers::relation_list::followers),
        routes!(handlers::friend_list::handle),
        routes!(handlers::message_action::handle),
        routes!(handlers::message_chat::handle),
        routes!(handlers::message_stream::handle),
        routes!(handlers::publish_list::handle),
        routes!(handlers::publish_action::handle).layer(upload_limit),
    ];
    let api = routes.into_iter().fold(
        OpenApiRouter::with_openapi(ApiDoc::openapi()),
        both_slash_forms,
    );
    let (router, mut doc) = api.split_for_parts();
    // After the routes: these complete the operations they added.
    Common.modify(&mut doc);
    SessionLinks.modify(&mut doc);
    (router, doc)
}

/// `/docs` (Swagger UI) and `/docs/openapi.json` serving `doc`.
pub fn ui(doc: openapi::OpenApi) -> Router<AppState> {
    SwaggerUi::new("/docs").url(OPENAPI_PATH, doc).into()
}

/// Registers `route` at its documented path (with the slash) and, undocumented, without it.
fn both_slash_forms(
    api: OpenApiRouter<AppState>,
    route: UtoipaMethodRouter<AppState>,
) -> OpenApiRouter<AppState> {
    let bare: Vec<String> = route
        .1
        .paths
        .keys()
        .map(|p| p.trim_end_matches('/').into())
        .collect();
    let api = bare
        .iter()
        .fold(api, |api, path| api.route(path, route.2.clone()));
    api.routes(route)
}

/// What every route can answer besides its own outcomes (error.rs, params.rs, the mesh),
/// and the bearer scheme the token routes accept.
struct Common;

/// The failures any route can answer: bad input, oversized body, and the domains' states.
const COMMON_ERRORS: [(u16, &str); 6] = [
    (400, "bad input: a missing or malformed parameter or body"),
    (413, "the request body is too large"),
    (429, "rate limited"),
    (500, "internal error (details are logged, never sent)"),
    (503, "a dependency is down"),
    (504, "a dependency did not answer in time"),
];

impl Modify for Common {
    fn modify(&self, doc: &mut openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        for operation in operations(doc) {
            for (status, description) in COMMON_ERRORS {
                operation
                    .responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| error_response(description));
            }
        }
    }
}

fn error_response(description: &str) -> RefOr<Response> {
    let content = openapi::ContentBuilder::new()
        .schema(Some(openapi::Ref::from_schema_name("ErrorBody")))
        .build();
    openapi::ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
        .build()
        .into()
}

/// OpenAPI links from register and login to every route taking a token (and a `user_id`):
/// a stateful client (schemathesis) signs up, then calls the signed-in routes with the
/// session, so they are exercised beyond their 401.
struct SessionLinks;

impl Modify for SessionLinks {
    fn modify(&self, doc: &mut openapi::OpenApi) {
        let targets: Vec<(String, bool)> = operations(doc)
            .filter(|op| has_query(op, "token"))
            .filter_map(|op| Some((op.operation_id.clone()?, has_query(op, "user_id"))))
            .collect();
        let sessions = operations(doc)
            .filter(|op| matches!(op.operation_id.as_deref(), Some("register" | "login")));
        for op in sessions {
            let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200") else {
                continue;
            };
            for (target, takes_user) in &targets {
                let mut link = LinkBuilder::new()
                    .operation_id(target)
                    .parameter("token", "$response.body#/token");
                if *takes_user {
                    link = link.parameter("user_id", "$response.body#/user_id");
                }
                ok.links.insert(target.clone(), link.build().into());
            }
        }
    }
}

fn has_query(operation: &Operation, name: &str) -> bool {
    operation.parameters.iter().flatten().any(|p| {
        matches!(p, RefOr::T(p) if p.name == name && matches!(p.parameter_in, ParameterIn::Query))
    })
}

/// Every operation of every path.
fn operations(doc: &mut openapi::OpenApi) -> impl Iterator<Item = &mut Operation> {
    doc.paths.paths.values_mut().flat_map(|item| {
        [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
        ]
        .into_iter()
        .flatten()
    })
}
