//! CEL's types as the checks of a definition's rules work them out — the type check of
//! `expr_check` and the cost estimate of `estimate` — with cel-go's names for them and the
//! joining of two types a type parameter stands for. Pure.

use std::sync::Arc;

use kube_cel::cel::common::ast::LiteralValue;

use super::cel_decl::{Decl, DeclKind};

/// A CEL type; `Dyn` also where a type is not worked out.
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
    /// An object the schema declares, with its declaration where the one asking has it.
    Object(Option<Arc<Decl>>),
    /// An optional of the type.
    Optional(Box<Ty>),
    /// A library's opaque type (`ip`, `cidr`, `url`, `quantity`, `semver`, `format`).
    Opaque(&'static str),
}

/// How a type parameter given `dyn` and another type stands for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    /// For `dyn`, as cel-go's checker joins them (`mostGeneral`): what is certain.
    Certain,
    /// For the other type: the best guess, `dyn` being what was not worked out.
    Known,
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
            DeclKind::Object => Ty::Object(Some(decl.clone())),
        }
    }

    /// The type of a literal.
    pub fn of_literal(literal: &LiteralValue) -> Ty {
        match literal {
            LiteralValue::Boolean(_) => Ty::Bool,
            LiteralValue::Bytes(_) => Ty::Bytes,
            LiteralValue::Double(_) => Ty::Double,
            LiteralValue::Int(_) => Ty::Int,
            LiteralValue::Null => Ty::Null,
            LiteralValue::String(_) => Ty::String,
            LiteralValue::UInt(_) => Ty::Uint,
        }
    }

    /// The type cel-go names `name` (its type parameters `dyn`, an object undeclared); `dyn`
    /// for a name it does not know and for the libraries' opaque types.
    pub fn named(name: &str) -> Ty {
        let dyn_box = || Box::new(Ty::Dyn);
        #[rustfmt::skip]
        let named = [Ty::Bool, Ty::Int, Ty::Uint, Ty::Double, Ty::String, Ty::Bytes, Ty::Null,
            Ty::Duration, Ty::Timestamp, Ty::Type, Ty::List(dyn_box()), Ty::Map(dyn_box(), dyn_box()),
            Ty::Object(None), Ty::Optional(dyn_box())];
        (named.into_iter())
            .find(|ty| ty.name() == Some(name))
            .unwrap_or(Ty::Dyn)
    }

    /// cel-go's name of the type, its parameters left out; `None` for `dyn`.
    pub fn name(&self) -> Option<&'static str> {
        Some(match self {
            Ty::Bool => "bool",
            Ty::Int => "int",
            Ty::Uint => "uint",
            Ty::Double => "double",
            Ty::String => "string",
            Ty::Bytes => "bytes",
            Ty::Null => "null_type",
            Ty::Duration => "google.protobuf.Duration",
            Ty::Timestamp => "google.protobuf.Timestamp",
            Ty::Type => "type",
            Ty::Dyn => return None,
            Ty::List(_) => "list",
            Ty::Map(..) => "map",
            Ty::Object(_) => "object",
            Ty::Optional(_) => "optional_type",
            Ty::Opaque(name) => name,
        })
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

    /// The one type standing for both, `join` telling which `dyn` and another give; `None`
    /// when they are different types.
    pub fn join(&self, other: &Ty, join: Join) -> Option<Ty> {
        let both = |a: &Ty, b: &Ty| a.join(b, join).map(Box::new);
        Some(match (self, other) {
            (Ty::Dyn, known) | (known, Ty::Dyn) => match join {
                Join::Certain => Ty::Dyn,
                Join::Known => known.clone(),
            },
            (Ty::List(a), Ty::List(b)) => Ty::List(both(a, b)?),
            (Ty::Optional(a), Ty::Optional(b)) => Ty::Optional(both(a, b)?),
            (Ty::Map(k, v), Ty::Map(l, w)) => Ty::Map(both(k, l)?, both(v, w)?),
            (Ty::Object(Some(a)), Ty::Object(Some(b))) if !Arc::ptr_eq(a, b) => return None,
            (Ty::Object(a), Ty::Object(b)) if a.is_some() == b.is_some() => self.clone(),
            (Ty::Opaque(a), Ty::Opaque(b)) if a == b => self.clone(),
            (Ty::List(_) | Ty::Map(..) | Ty::Optional(_) | Ty::Object(_) | Ty::Opaque(_), _) => {
                return None;
            }
            (a, b) if std::mem::discriminant(a) == std::mem::discriminant(b) => self.clone(),
            _ => return None,
        })
    }
}
