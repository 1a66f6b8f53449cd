//! Text arguments are checked once, before any resolver runs: a control character (NUL above
//! all, which PostgreSQL text cannot hold) anywhere in an argument or a variable is refused as
//! `BAD_USER_INPUT` naming the argument, instead of failing deep in SQL as `INTERNAL`.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Pos, Positioned, ServerError, ServerResult, Value, Variables};
use gomarket_api_core::{ErrorCode, api_error};
use std::sync::Arc;

/// Whether `c` may appear in text we store: anything but the C0 controls and DEL, except tab,
/// line feed and carriage return (descriptions have lines).
fn allowed(c: char) -> bool {
    !c.is_ascii_control() || matches!(c, '\t' | '\n' | '\r')
}

/// The first disallowed character of `text`, if any.
fn forbidden_in(text: &str) -> Option<char> {
    text.chars().find(|c| !allowed(*c))
}

fn refusal(field: &str, c: char, pos: Pos) -> ServerError {
    api_error(
        ErrorCode::BadUserInput,
        format!(
            "{field}: contains the control character U+{:04X}, which text here may not hold",
            u32::from(c)
        ),
        Some(field),
    )
    .into_server_error(pos)
}

/// Finds the first string holding a disallowed character, with the path that leads to it.
fn check_const(value: &Value, path: &str) -> Option<(String, char)> {
    match value {
        Value::String(text) => forbidden_in(text).map(|c| (path.to_owned(), c)),
        Value::List(items) => items.iter().find_map(|item| check_const(item, path)),
        Value::Object(fields) => fields
            .iter()
            .find_map(|(name, value)| check_const(value, &format!("{path}.{name}"))),
        _ => None,
    }
}

fn check_selections(set: &Positioned<SelectionSet>) -> Option<(String, char, Pos)> {
    set.node.items.iter().find_map(|selection| match &selection.node {
        Selection::Field(field) => field
            .node
            .arguments
            .iter()
            .find_map(|(name, value)| {
                // Variables in the literal are checked on their own; here they read as null.
                let literal = value.node.clone().into_const_with(|_| Ok::<_, ()>(Value::Null)).ok()?;
                check_const(&literal, name.node.as_str()).map(|(path, c)| (path, c, value.pos))
            })
            .or_else(|| check_selections(&field.node.selection_set)),
        Selection::InlineFragment(fragment) => check_selections(&fragment.node.selection_set),
        Selection::FragmentSpread(_) => None,
    })
}

/// The first forbidden character in the document's literal arguments or in the variables.
fn check(document: &ExecutableDocument, variables: &Variables) -> Option<ServerError> {
    if let Some((path, c)) = variables
        .iter()
        .find_map(|(name, value)| check_const(value, name.as_str()))
    {
        return Some(refusal(&path, c, Pos::default()));
    }
    let operations = document.operations.iter().map(|(_, op)| &op.node.selection_set);
    let fragments = document.fragments.values().map(|f| &f.node.selection_set);
    operations
        .chain(fragments)
        .find_map(check_selections)
        .map(|(path, c, pos)| refusal(&path, c, pos))
}

/// The extension (one per schema).
pub struct InputText;

impl ExtensionFactory for InputText {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(InputTextCheck)
    }
}

struct InputTextCheck;

#[async_graphql::async_trait::async_trait]
impl Extension for InputTextCheck {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        match check(&document, variables) {
            Some(refusal) => Err(refusal),
            None => Ok(document),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(query: &str, variables: serde_json::Value) -> Option<String> {
        let document = async_graphql::parser::parse_query(query).unwrap();
        let variables = Variables::from_json(variables);
        check(&document, &variables).map(|e| {
            let extensions = e.extensions.expect("a refusal has extensions");
            extensions.get("field").map(ToString::to_string).unwrap_or_default()
        })
    }

    #[test]
    fn control_characters_are_refused_naming_the_argument() {
        let q = r#"{ products(filter: {search: "a\u0000b"}) { totalCount } }"#;
        assert_eq!(refused(q, serde_json::json!({})).as_deref(), Some("\"filter.search\""));
        let q = "query($f: ProductFilter) { products(filter: $f) { totalCount } }";
        let vars = serde_json::json!({"f": {"brand": "x\u{1}"}});
        assert_eq!(refused(q, vars).as_deref(), Some("\"f.brand\""));
        let q = r#"fragment F on Query { history(aggregateId: "\u0000") { totalCount } } { ...F }"#;
        assert_eq!(refused(q, serde_json::json!({})).as_deref(), Some("\"aggregateId\""));
        let q = r#"{ products(filter: {search: "two\nlines\tand tabs, кириллица"}) { totalCount } }"#;
        assert_eq!(refused(q, serde_json::json!({"x": ["ok\r\n"]})), None);
    }
}
