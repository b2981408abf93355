//! Which engine runs a batch: `distilner compile` times the eager model and each package (each tuned
//! for a different row count) over batch sizes and keeps, per size, the fastest. A batch of n rows ×
//! length positions takes the first route whose bound covers it.
use super::CompiledModel;
use serde::{Deserialize, Serialize};
use tch::Tensor;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// Batches of at most this many positions (rows × padded length); None: any size.
    pub up_to_tokens: Option<i64>,
    /// The package that runs them (an index into the packages), or None for the eager model.
    pub package: Option<usize>,
}

/// The package `routes` send a batch of `tokens` positions to (None: eager). Past the last bound,
/// the last route.
pub fn route_for(routes: &[Route], tokens: i64) -> Option<usize> {
    routes
        .iter()
        .find(|r| r.up_to_tokens.is_none_or(|m| tokens <= m))
        .or(routes.last())
        .and_then(|r| r.package)
}

/// A model's compiled packages and the routes between them and the eager model.
pub struct Compiled {
    pub packages: Vec<CompiledModel>,
    pub routes: Vec<Route>,
}

impl Compiled {
    /// The package for `ids` [batch, seq], where its route names one and the shape is inside the
    /// shapes the package was exported for; None: run eager.
    pub fn pick(&self, ids: &Tensor) -> Option<&CompiledModel> {
        let tokens = ids.size().iter().product();
        let p = self.packages.get(route_for(&self.routes, tokens)?)?;
        p.fits(ids).then_some(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(up_to_tokens: Option<i64>, package: Option<usize>) -> Route {
        Route {
            up_to_tokens,
            package,
        }
    }

    #[test]
    fn the_first_covering_route_wins() {
        let routes = [r(Some(48), Some(0)), r(Some(384), Some(1)), r(None, None)];
        assert_eq!(route_for(&routes, 1), Some(0));
        assert_eq!(route_for(&routes, 48), Some(0));
        assert_eq!(route_for(&routes, 49), Some(1));
        assert_eq!(route_for(&routes, 384), Some(1));
        assert_eq!(route_for(&routes, 385), None);
        assert_eq!(route_for(&routes, 1 << 40), None);
        // A bounded last route still takes what lies past it.
        let routes = [r(Some(48), None), r(Some(96), Some(1))];
        assert_eq!(route_for(&routes, 10_000), Some(1));
        assert_eq!(route_for(&[], 5), None);
    }
}
