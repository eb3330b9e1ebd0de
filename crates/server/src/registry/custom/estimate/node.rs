//! The figures cel-go's estimator keeps of each expression (`checker.SizeEstimate`,
//! `CostEstimate`, the entry sizes of lists and maps) and what it knows of a node: its type,
//! its field path from a variable, its size. Pure.

use std::sync::Arc;

use super::super::cel_decl::{Decl, DeclKind};

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

/// A CEL type as far as the estimate needs it.
#[derive(Debug, Clone)]
pub enum Ty {
    /// `bool`.
    Bool,
    /// `int`.
    Int,
    /// `uint`.
    Uint,
    /// `double`.
    Double,
    /// `string`.
    String,
    /// `bytes`.
    Bytes,
    /// `null_type`.
    Null,
    /// `google.protobuf.Duration`.
    Duration,
    /// `google.protobuf.Timestamp`.
    Timestamp,
    /// A type value.
    Type,
    /// `dyn`: anything.
    Dyn,
    /// A list of the type.
    List(Box<Ty>),
    /// A map of keys to values.
    Map(Box<Ty>, Box<Ty>),
    /// An object the schema declares.
    Object(Arc<Decl>),
    /// An optional of the type.
    Optional(Box<Ty>),
    /// A library's opaque type (`ip`, `cidr`, `url`, `quantity`, `semver`, `format`).
    Opaque(&'static str),
}

impl Ty {
    /// The type of values of `decl`.
    pub fn of(decl: &Arc<Decl>) -> Ty {
        match decl.kind {
            DeclKind::Bool => Ty::Bool,
            DeclKind::Int => Ty::Int,
            DeclKind::Double => Ty::Double,
            DeclKind::String => Ty::String,
            DeclKind::Bytes => Ty::Bytes,
            DeclKind::Duration => Ty::Duration,
            DeclKind::Timestamp => Ty::Timestamp,
            DeclKind::Dyn => Ty::Dyn,
            DeclKind::List => Ty::List(Box::new(decl.elem.as_ref().map_or(Ty::Dyn, Ty::of))),
            DeclKind::Map => Ty::Map(
                Box::new(Ty::String),
                Box::new(decl.elem.as_ref().map_or(Ty::Dyn, Ty::of)),
            ),
            DeclKind::Object => Ty::Object(decl.clone()),
        }
    }

    /// Whether its values all have size 1 (`isScalar`).
    pub fn is_scalar(&self) -> bool {
        match self {
            Ty::Bool | Ty::Int | Ty::Uint | Ty::Double | Ty::Duration | Ty::Timestamp => true,
            Ty::Optional(inner) => inner.is_scalar(),
            _ => false,
        }
    }

    /// The first type parameter (`Parameters()[0]`): a list's items, a map's keys.
    pub fn first_parameter(&self) -> Option<&Ty> {
        match self {
            Ty::List(item) => Some(item),
            Ty::Map(key, _) => Some(key),
            Ty::Optional(inner) => Some(inner),
            _ => None,
        }
    }

    /// Whether it is `dyn`.
    pub fn is_dyn(&self) -> bool {
        matches!(self, Ty::Dyn)
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
