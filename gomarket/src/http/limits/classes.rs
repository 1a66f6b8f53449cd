//! Concurrency per operation class: queries, mutations and sessions (`login`, `refreshToken`)
//! each run under their own limit, so slow searches can hold at most their share of the
//! database pool and never make writes or logins wait for a connection. An operation waits for
//! a place in its class (first come, first served); the request timeout bounds the wait.
//!
//! Sessions are a class apart because a login spends most of its time in the Argon2 queue
//! (which bounds it on its own) and in its failure penalty, holding no connection: counted as
//! writes, a flood of logins would take every write's place while doing nothing.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, OperationDefinition, OperationType, Selection};
use async_graphql::{Response, ServerResult, Variables};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// How many operations of each class run at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassLimits {
    pub reads: usize,
    pub writes: usize,
    pub sessions: usize,
}

impl ClassLimits {
    /// Shares of a pool of `connections`: half for queries, a quarter for mutations, the rest
    /// left to the projectors, the worker and the scheduler; sessions as many as the password
    /// queue admits (`password_checks`).
    pub fn for_pool(connections: u32, password_checks: usize) -> Self {
        let connections = connections as usize;
        Self {
            reads: (connections / 2).max(1),
            writes: (connections / 4).max(1),
            sessions: password_checks.max(1),
        }
    }
}

/// The extension (one per schema), holding the classes' places.
#[derive(Clone)]
pub struct OperationClasses {
    reads: Arc<Semaphore>,
    writes: Arc<Semaphore>,
    sessions: Arc<Semaphore>,
}

impl OperationClasses {
    pub fn new(limits: ClassLimits) -> Self {
        Self {
            reads: Arc::new(Semaphore::new(limits.reads.max(1))),
            writes: Arc::new(Semaphore::new(limits.writes.max(1))),
            sessions: Arc::new(Semaphore::new(limits.sessions.max(1))),
        }
    }
}

impl ExtensionFactory for OperationClasses {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ClassOfOperation {
            classes: self.clone(),
            operations: Mutex::new(Vec::new()),
        })
    }
}

/// The class an operation runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Read,
    Write,
    Session,
    /// Subscriptions (they do not come through `execute`).
    Unlimited,
}

/// Mutations whose every root field opens or renews a session.
const SESSION_FIELDS: [&str; 2] = ["login", "refreshToken"];

fn class_of(operation: &OperationDefinition) -> Class {
    match operation.ty {
        OperationType::Query => Class::Read,
        OperationType::Subscription => Class::Unlimited,
        OperationType::Mutation => {
            let sessions_only = operation.selection_set.node.items.iter().all(|selection| {
                matches!(&selection.node, Selection::Field(field) if SESSION_FIELDS.contains(&field.node.name.node.as_str()))
            });
            if sessions_only { Class::Session } else { Class::Write }
        }
    }
}

/// One request's view: the operations its document declares, to know which one runs.
struct ClassOfOperation {
    classes: OperationClasses,
    operations: Mutex<Vec<(Option<String>, Class)>>,
}

impl ClassOfOperation {
    fn class_of(&self, name: Option<&str>) -> Option<Class> {
        let operations = self.operations.lock().unwrap_or_else(|p| p.into_inner());
        match name {
            Some(name) => operations
                .iter()
                .find(|(n, _)| n.as_deref() == Some(name))
                .map(|(_, ty)| *ty),
            None => operations.first().map(|(_, ty)| *ty),
        }
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ClassOfOperation {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        *self.operations.lock().unwrap_or_else(|p| p.into_inner()) = document
            .operations
            .iter()
            .map(|(name, op)| (name.map(|n| n.to_string()), class_of(&op.node)))
            .collect();
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let class = match self.class_of(operation_name) {
            Some(Class::Read) => &self.classes.reads,
            Some(Class::Write) => &self.classes.writes,
            Some(Class::Session) => &self.classes.sessions,
            // An unknown operation name fails in execution.
            Some(Class::Unlimited) | None => return next.run(ctx, operation_name).await,
        };
        let _place = class.acquire().await.expect("class semaphores are never closed");
        next.run(ctx, operation_name).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(query: &str) -> Class {
        let document = async_graphql::parser::parse_query(query).unwrap();
        let (_, operation) = document.operations.iter().next().unwrap();
        class_of(&operation.node)
    }

    #[test]
    fn logins_are_sessions_other_mutations_writes() {
        assert_eq!(class("{ products { totalCount } }"), Class::Read);
        assert_eq!(
            class("mutation { login(email: \"a\", password: \"b\") { accessToken } }"),
            Class::Session
        );
        assert_eq!(
            class(
                "mutation { a: login(email: \"a\", password: \"b\") { accessToken } refreshToken(token: \"t\") { accessToken } }"
            ),
            Class::Session
        );
        assert_eq!(
            class(
                "mutation { login(email: \"a\", password: \"b\") { accessToken } archiveProduct(id: \"x\") { errors { code } } }"
            ),
            Class::Write
        );
        assert_eq!(class("subscription { productChanged { id } }"), Class::Unlimited);
    }
}
