//! An error with its causes as one line of text: for logs and for reasons stored on an
//! aggregate (an import's failure), where the source chain would otherwise be lost.

use std::error::Error;
use std::fmt;

/// Displays an error followed by each of its sources, separated by `": "`.
#[derive(Debug, Clone, Copy)]
pub struct Chain<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

/// The causes of `error` (not the error itself), joined by `": "`.
pub fn causes(error: &(dyn Error + 'static)) -> String {
    error.source().map(|cause| Chain(cause).to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("inner")]
    struct Inner;

    #[test]
    fn every_cause_is_shown_once_in_order() {
        assert_eq!(Chain(&Outer(Inner)).to_string(), "outer: inner");
        assert_eq!(causes(&Outer(Inner)), "inner");
        assert_eq!(causes(&Inner), "");
    }
}
