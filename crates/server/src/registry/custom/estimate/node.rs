//! The figures cel-go's estimator keeps of each expression (`checker.SizeEstimate`,
//! `CostEstimate`, the entry sizes of lists and maps) and what it knows of a node: its type,
//! its field path from a variable, its size. Pure.

use super::super::cel_types::Ty;

/// A range of sizes or costs, `min..=max`, whose arithmetic saturates at `u64::MAX` as cel-go's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// The least.
    pub min: u64,
    /// The most.
    pub max: u64,
}

impl Range {
    /// Nothing known: `0..=u64::MAX` (`UnknownSizeEstimate`).
    pub const UNKNOWN: Range = Range {
        min: 0,
        max: u64::MAX,
    };

    /// `min..=max`.
    pub const fn new(min: u64, max: u64) -> Self {
        Self { min, max }
    }

    /// Exactly `n`.
    pub fn fixed(n: u64) -> Self {
        Self { min: n, max: n }
    }

    /// The sum.
    pub fn add(self, other: Self) -> Self {
        Self {
            min: self.min.saturating_add(other.min),
            max: self.max.saturating_add(other.max),
        }
    }

    /// The product.
    pub fn multiply(self, other: Self) -> Self {
        Self {
            min: self.min.saturating_mul(other.min),
            max: self.max.saturating_mul(other.max),
        }
    }

    /// Each bound times `factor`, rounded up (`MultiplyByCostFactor`).
    pub fn factor(self, factor: f64) -> Self {
        Self {
            min: by_factor(self.min, factor),
            max: by_factor(self.max, factor),
        }
    }

    /// The range covering both.
    pub fn union(self, other: Self) -> Self {
        Self {
            min: self.min.min(other.min),
            max: self.max.max(other.max),
        }
    }
}

/// `multiplyByCostFactor`: `x × y` rounded up, `u64::MAX` past it.
fn by_factor(x: u64, y: f64) -> u64 {
    let x = x as f64;
    if x > 0.0 && y > 0.0 && x > u64::MAX as f64 / y {
        return u64::MAX;
    }
    let product = (x * y).ceil();
    if product >= 2f64.powi(64) {
        u64::MAX
    } else {
        product as u64
    }
}

/// Whether a container is a list or a map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// A list.
    List,
    /// A map.
    Map,
}

/// The sizes of a container's keys (indexes) and values (`entrySizeEstimate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// List or map.
    pub container: Container,
    /// The keys' sizes.
    pub key: Range,
    /// The values' sizes.
    pub value: Range,
}

impl Entry {
    /// Both entries' sizes; nothing when either is unknown.
    pub fn union(a: Option<Entry>, b: Option<Entry>) -> Option<Entry> {
        let (a, b) = (a?, b?);
        Some(Entry {
            container: a.container,
            key: a.key.union(b.key),
            value: a.value.union(b.value),
        })
    }
}

/// What the estimate knows of one expression once costed.
#[derive(Debug, Clone)]
pub struct Node {
    /// Its cost, its subexpressions' included.
    pub cost: Range,
    /// Its type.
    pub ty: Ty,
    /// Its field path from a variable (`self`, `@items`, ...); empty when it has none.
    pub path: Vec<String>,
    /// Its size (`computeSize`), when known.
    pub size: Option<Range>,
    /// The sizes of its entries, for a container whose entries are known.
    pub entry: Option<Entry>,
    /// Its value, when it is an integer literal.
    pub int_literal: Option<i64>,
}

impl Node {
    /// Its size, or unknown (`sizeOrUnknown`).
    pub fn size_or_unknown(&self) -> Range {
        self.size.unwrap_or(Range::UNKNOWN)
    }
}
