//! The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json`. Written by
//! hand next to the routes; a test checks that every documented operation is routed and the
//! document is snapshot-tested, so the two cannot drift apart unnoticed.

use axum::Json;
use haven_domain::case::ExploitationType;
use serde_json::{Value, json};

fn error_responses() -> Value {
    json!({
        "401": { "description": "No valid bearer token or session", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
        "404": { "description": "Absent, or not visible to the caller (identical answers)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
        "422": { "description": "Invalid input: a stable `code` and the `field`", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
    })
}

/// Search answers its matches, and whether some may be missing.
fn search_responses() -> Value {
    let mut responses = error_responses();
    responses["200"] = json!({
        "description": "Matches the caller may open, exact matches first; `incomplete` when more records share the query's index values than one search opens (narrow it with a date of birth or phone)",
        "content": { "application/json": { "schema": {
            "type": "object",
            "required": ["results", "incomplete"],
            "properties": {
                "results": { "type": "array", "items": { "type": "object" } },
                "incomplete": { "type": "boolean" }
            }
        } } }
    });
    responses
}

fn op(summary: &str, ok: &str, body: Option<&str>) -> Value {
    let mut responses = error_responses();
    responses[ok] = json!({ "description": "Success" });
    let mut o =
        json!({ "summary": summary, "security": [{ "bearer": [] }], "responses": responses });
    if let Some(schema) = body {
        o["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
    }
    o
}

/// A write to a case that finds it moved to another organisation since it was read.
const MOVED: &str =
    "The case passed to another organisation meanwhile (`case_changed`): nothing was written";

/// An operation that may find its record changed by someone else since it was read.
fn changed_meanwhile(mut op: Value, description: &str) -> Value {
    op["responses"]["409"] = json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    op
}

/// A read of a case's notes or messages that may take only the newest.
fn newest_of(mut op: Value) -> Value {
    op["parameters"] = json!([{ "name": "newest", "in": "query", "description": "Only the newest N the caller may read, oldest first (200 at most); `total` says how many there are in all", "schema": { "type": "integer", "minimum": 1, "maximum": 200 } }]);
    op
}

fn id_param(name: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } })
}

/// The survivor record as a request body; intake adds the first case's fields.
fn survivor_schemas() -> (Value, Value) {
    let fields = json!({ "type": "object", "additionalProperties": false, "required": ["pseudonym"], "properties": {
        "pseudonym": { "type": "string", "maxLength": 500 }, "legal_name": { "type": "string", "maxLength": 500 },
        "aliases": { "type": "array", "items": { "type": "string" } }, "date_of_birth": { "type": "string", "format": "date" },
        "estimated_age": { "type": "integer", "maximum": 120 }, "gender": { "enum": ["female", "male", "non_binary", "other", "unknown"] },
        "nationality": { "type": "string" }, "nationality_region": { "enum": ["africa", "americas", "asia", "europe", "oceania", "unknown"] },
        "languages": { "type": "array", "items": { "type": "string" } }, "interpreter_needed": { "type": "boolean" },
        "phone": { "type": "string" }, "email": { "type": "string" }, "safe_contact": { "type": "string" } } });
    let mut intake = fields.clone();
    intake["properties"]["case"] = json!({ "$ref": "#/components/schemas/CaseFields" });
    (fields, intake)
}

/// The exploitation types, from the domain's own list, so a new one cannot go undocumented.
fn exploitation_schema() -> Value {
    let codes: Vec<&str> = ExploitationType::ALL.iter().map(|e| e.as_str()).collect();
    json!({ "enum": codes, "description": "`unknown` when left out" })
}

pub(crate) fn document() -> Value {
    let (survivor_fields, new_survivor) = survivor_schemas();
    let exploitation = exploitation_schema();
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Haven API", "version": "1", "description": "Confidential case management. Every read is authorised by the access policy and audited; whatever the caller may not see answers 404." },
        "paths": {
            "/api/v1/me": { "get": op("The signed-in account", "200", None) },
            "/api/v1/survivors": { "post": op("Intake: a survivor and their first case", "201", Some("NewSurvivor")) },
            "/api/v1/survivors/{id}": { "parameters": [id_param("id")], "get": op("A survivor record, limited to the categories the caller may see", "200", None) },
            "/api/v1/cases": {
                "get": {
                    "parameters": [
                        { "name": "status", "in": "query", "schema": { "enum": ["open", "active", "closed"] } },
                        { "name": "limit", "in": "query", "description": "Cases per page (200 at most, and by default)", "schema": { "type": "integer", "minimum": 1, "maximum": 200 } },
                        { "name": "after", "in": "query", "description": "Where the page starts: the `next` value of the page before", "schema": { "type": "string" } }
                    ],
                    "summary": "My cases, newest first, a page at a time: `cases`, and `next` unless this is the last page",
                    "security": [{ "bearer": [] }],
                    "responses": error_responses()
                },
                "post": changed_meanwhile(op("Open a case for a survivor the caller may see", "201", Some("NewCase")), "The record passed to another organisation meanwhile (`record_changed`): nothing was written; read it again")
            },
            "/api/v1/cases/{id}": { "parameters": [id_param("id")], "get": op("A case: status, flags, visible survivor fields, readable notes, tasks, timeline", "200", None) },
            "/api/v1/cases/{id}/classification": { "parameters": [id_param("id")], "put": changed_meanwhile(op("Classify the case again: exploitation and trafficking types (needs write access to the narrative), safety-risk and immigration-sensitive flags (need sight of their category); parts the caller may not change are kept; answers `written`, the categories changed", "200", Some("CaseFields")), MOVED) },
            "/api/v1/cases/{id}/survivor": { "parameters": [id_param("id")], "put": changed_meanwhile(op("Edit the survivor record of the case: fields of the categories the caller may write (identity, contact) are replaced, the rest kept as stored; answers `written`, those categories", "200", Some("SurvivorFields")), "The record was saved by someone else since this edit read it (`record_changed`): nothing was written; read it again") },
            "/api/v1/cases/{id}/status": { "parameters": [id_param("id")], "post": changed_meanwhile(op("Change status (reopening needs a reason)", "204", Some("StatusChange")), "The case moved meanwhile (`case_changed`): nothing was written; read it again") },
            "/api/v1/cases/{id}/notes": {
                "parameters": [id_param("id")],
                "get": newest_of(op("The notes the caller may read, oldest first, and `total`, how many", "200", None)),
                "post": changed_meanwhile(op("Add a note; its category decides who may read it", "201", Some("NewNote")), MOVED)
            },
            "/api/v1/cases/{id}/goals": { "parameters": [id_param("id")], "post": changed_meanwhile(op("Add a goal to the case plan", "201", Some("NewGoal")), MOVED) },
            "/api/v1/cases/{id}/goals/{goal}/status": { "parameters": [id_param("id"), id_param("goal")], "post": changed_meanwhile(op("Mark a goal achieved or dropped, or open it again", "204", Some("GoalStatusChange")), MOVED) },
            "/api/v1/cases/{id}/tasks": { "parameters": [id_param("id")], "post": changed_meanwhile(op("Add a task to the case plan", "201", Some("NewTask")), MOVED) },
            "/api/v1/cases/{id}/tasks/{task}/done": { "parameters": [id_param("id"), id_param("task")], "post": changed_meanwhile(op("Mark a task done", "204", None), MOVED) },
            "/api/v1/cases/{id}/team": { "parameters": [id_param("id")], "post": changed_meanwhile(op("Add a colleague of the owning organisation to the team", "204", Some("TeamMember")), MOVED) },
            "/api/v1/cases/{id}/team/{user}": { "parameters": [id_param("id"), id_param("user")], "delete": changed_meanwhile(op("Take a member off the team (a case manager always stays)", "204", None), MOVED) },
            "/api/v1/cases/{id}/consents": {
                "parameters": [id_param("id")],
                "get": op("The survivor's releases of information (case team)", "200", None),
                "post": changed_meanwhile(op("Record a release: recipient organisation, categories, purpose, evidence, end date (required)", "201", Some("NewConsent")), MOVED)
            },
            "/api/v1/cases/{id}/consents/{consent}/revoke": { "parameters": [id_param("id"), id_param("consent")], "post": op("Revoke a release; effective on the next request", "204", Some("Revoke")) },
            "/api/v1/cases/{id}/consents/{consent}/scan": { "parameters": [id_param("id"), id_param("consent")], "get": op("The scan of a release's signed form (case team)", "200", None) },
            "/api/v1/cases/{id}/adversaries": { "parameters": [id_param("id")], "post": changed_meanwhile(op("Record a suspected abuser (who can never consent for the survivor)", "201", Some("NewAdversary")), MOVED) },
            "/api/v1/cases/{id}/referrals": {
                "parameters": [id_param("id")],
                "get": op("Referrals sent from the case", "200", None),
                "post": changed_meanwhile(op("Refer the survivor to another organisation's service, optionally under a release", "201", Some("NewReferral")), MOVED)
            },
            "/api/v1/cases/{id}/messages": {
                "parameters": [id_param("id")],
                "get": newest_of(op("Messages between the case team and receiving staff of open referrals, oldest first, and `total`, how many", "200", None)),
                "post": changed_meanwhile(op("Send a message", "201", Some("NewMessage")), MOVED)
            },
            "/api/v1/cases/{id}/access-report": { "parameters": [id_param("id")], "get": op("Who opened this survivor's record, when, and under which release", "200", None) },
            "/api/v1/cases/{id}/subject-export": { "parameters": [id_param("id")], "get": op("Subject access: everything held about the survivor, releases included (supervisor)", "200", None) },
            "/api/v1/cases/{id}/meeting-requests": { "parameters": [id_param("id")], "post": op("Law-enforcement liaison with a release: ask the case manager for a meeting (a task on the case)", "202", Some("MeetingRequest")) },
            "/api/v1/cases/{id}/transfers": { "parameters": [id_param("id")], "post": changed_meanwhile(op("Propose that another organisation take over the case (nothing changes until it accepts)", "201", Some("NewTransfer")), "A transfer of the case is waiting already (`transfer_waiting`), or the case passed to another organisation meanwhile (`case_changed`): nothing was written") },
            "/api/v1/transfers": { "get": op("Transfers proposed to or by the caller's organisation", "200", None) },
            "/api/v1/transfers/{id}/decision": { "parameters": [id_param("id")], "post": changed_meanwhile(op("Accept or decline (receiver), or withdraw (sender); acceptance moves the record as it reads it", "204", Some("TransferDecision")), "Decided already (`transfer_decided`), or the sender went on writing to the record while it was being moved (`record_changed`): nothing was written; try again") },
            "/api/v1/referrals": { "get": op("Referrals to the caller's organisation that the caller may answer", "200", None) },
            "/api/v1/referrals/intake": { "post": op("Law-enforcement liaison: refer a person into an NGO (nothing is created until it accepts)", "201", Some("NewIntakeReferral")) },
            "/api/v1/referrals/{id}": { "parameters": [id_param("id")], "get": op("One referral, for the sending or receiving side", "200", None) },
            "/api/v1/referrals/{id}/moves": { "parameters": [id_param("id")], "post": op("Move a referral: accept, decline (reason), start, complete (outcome), withdraw", "200", Some("ReferralMove")) },
            "/api/v1/hsds": { "get": { "summary": "HSDS 3.0 API root", "responses": { "200": { "description": "version, profile, openapi_url" } } } },
            "/api/v1/hsds/services": { "get": { "summary": "HSDS services, paginated", "parameters": [
                { "name": "search", "in": "query", "schema": { "type": "string" } },
                { "name": "organization_id", "in": "query", "schema": { "type": "string", "format": "uuid" } },
                { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1 } },
                { "name": "per_page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100 } }],
                "responses": { "200": { "description": "An HSDS page of services" } } } },
            "/api/v1/hsds/services/{id}": { "parameters": [id_param("id")], "get": { "summary": "One HSDS service", "responses": { "200": { "description": "An HSDS service" }, "404": { "description": "No such service" } } } },
            "/api/v1/search": { "get": { "parameters": [{ "name": "q", "in": "query", "required": true, "schema": { "type": "string", "minLength": 2, "maxLength": 200 } }], "summary": "Search by name (exact or sounds-like), date of birth or phone, through blind indexes", "security": [{ "bearer": [] }], "responses": search_responses() } }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "description": "A `haven_pat_…` token from `haven token create`" } },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": { "code": { "type": "string" }, "field": { "type": "string" }, "reason": { "type": "string", "description": "why input was refused, a stable code (invalid only)" }, "message": { "type": "string" }, "correlation_id": { "type": "string" } } } } },
                "CaseFields": { "type": "object", "additionalProperties": false, "properties": {
                    "exploitation": exploitation,
                    "trafficking_types": { "type": "array", "items": { "type": "integer", "minimum": 1, "maximum": 25 }, "description": "Polaris typology numbers" },
                    "safety_risk": { "type": "boolean" }, "immigration_sensitive": { "type": "boolean" } } },
                "NewSurvivor": new_survivor,
                "SurvivorFields": survivor_fields,
                "NewCase": { "type": "object", "additionalProperties": false, "required": ["survivor_id"], "properties": {
                    "survivor_id": { "type": "string", "format": "uuid" }, "exploitation": exploitation,
                    "trafficking_types": { "type": "array", "items": { "type": "integer" } }, "safety_risk": { "type": "boolean" }, "immigration_sensitive": { "type": "boolean" } } },
                "StatusChange": { "type": "object", "additionalProperties": false, "required": ["status"], "properties": { "status": { "enum": ["open", "active", "closed"] }, "reason": { "type": "string" } } },
                "NewNote": { "type": "object", "additionalProperties": false, "required": ["category", "body"], "properties": { "category": { "enum": ["general", "safety", "medical", "psychotherapy", "legal", "narrative"] }, "body": { "type": "string", "maxLength": 20000 } } },
                "NewTask": { "type": "object", "additionalProperties": false, "required": ["title", "due_on"], "properties": { "title": { "type": "string", "maxLength": 300 }, "due_on": { "type": "string", "format": "date" } } },
                "NewConsent": { "type": "object", "additionalProperties": false, "required": ["recipient_org", "categories", "purpose", "method", "evidence", "expires_at"], "properties": {
                    "recipient_org": { "type": "string", "format": "uuid" },
                    "categories": { "type": "array", "minItems": 1, "items": { "enum": ["case", "identity", "contact", "location", "immigration", "medical", "psychotherapy", "legal", "narrative", "safety"] } },
                    "purpose": { "type": "string", "maxLength": 500 }, "method": { "enum": ["signed_form", "on_screen_signature", "verbal_witnessed"] },
                    "evidence": { "type": "string", "maxLength": 500, "description": "The signed form's reference, the signature, or the witness" },
                    "signer": { "enum": ["survivor", "minor_and_guardian", "guardian"] }, "guardian": { "type": "string", "maxLength": 500 },
                    "granted_at": { "type": "string", "format": "date-time" }, "expires_at": { "type": "string", "format": "date-time" },
                    "scan_base64": { "type": "string", "contentEncoding": "base64", "description": "The signed form's scan: PDF, PNG or JPEG, at most 700 KiB" } } },
                "Revoke": { "type": "object", "additionalProperties": false, "required": ["channel"], "properties": { "channel": { "enum": ["oral", "written"] } } },
                "NewAdversary": { "type": "object", "additionalProperties": false, "required": ["name", "relationship"], "properties": { "name": { "type": "string", "maxLength": 500 }, "relationship": { "type": "string", "pattern": "^[a-z_]{1,40}$" } } },
                "NewReferral": { "type": "object", "additionalProperties": false, "required": ["service_id"], "properties": { "service_id": { "type": "string", "format": "uuid" }, "consent_id": { "type": "string", "format": "uuid" } } },
                "ReferralMove": { "type": "object", "additionalProperties": false, "required": ["action"], "properties": {
                    "action": { "enum": ["accept", "decline", "start", "complete", "withdraw"] },
                    "reason": { "enum": ["no_capacity", "not_eligible", "out_of_area", "service_unavailable", "other"] },
                    "outcome": { "enum": ["delivered", "survivor_declined", "not_eligible", "lost_contact", "no_capacity", "other"] } } },
                "NewIntakeReferral": { "type": "object", "additionalProperties": false, "required": ["service_id", "pseudonym"], "properties": { "service_id": { "type": "string", "format": "uuid" }, "pseudonym": { "type": "string", "maxLength": 500 }, "note": { "type": "string", "maxLength": 2000 } } },
                "MeetingRequest": { "type": "object", "additionalProperties": false, "properties": { "note": { "type": "string", "maxLength": 200 } } },
                "NewTransfer": { "type": "object", "additionalProperties": false, "required": ["to_org"], "properties": { "to_org": { "type": "string", "format": "uuid" } } },
                "TransferDecision": { "type": "object", "additionalProperties": false, "required": ["decision"], "properties": { "decision": { "enum": ["accepted", "declined", "withdrawn"] } } },
                "NewGoal": { "type": "object", "additionalProperties": false, "required": ["title"], "properties": { "title": { "type": "string", "maxLength": 300 } } },
                "GoalStatusChange": { "type": "object", "additionalProperties": false, "required": ["status"], "properties": { "status": { "enum": ["open", "achieved", "dropped"] } } },
                "NewMessage": { "type": "object", "additionalProperties": false, "required": ["body"], "properties": { "body": { "type": "string", "maxLength": 5000 } } },
                "TeamMember": { "type": "object", "additionalProperties": false, "required": ["user_id"], "properties": { "user_id": { "type": "string", "format": "uuid" } } }
            }
        }
    })
}

pub(crate) async fn serve() -> Json<Value> {
    Json(document())
}
