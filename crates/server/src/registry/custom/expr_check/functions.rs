//! The operators on scalars whose overloads the type check resolves, as its checker resolves
//! them, and their text in the source; which functions are declared (`cel_functions`). Pure.

pub use super::super::cel_functions::declared;
use super::super::cel_functions::resolve;
use super::super::cel_types::{Join, Ty};
use super::Type;

/// The text of the operator `function` in the source.
pub fn symbol(function: &str) -> Option<&'static str> {
    Some(match function {
        "_+_" => "+",
        "_-_" => "-",
        "_*_" => "*",
        "_/_" => "/",
        "_%_" => "%",
        "_&&_" => "&&",
        "_||_" => "||",
        "!_" => "!",
        "_<_" => "<",
        "_<=_" => "<=",
        "_>_" => ">",
        "_>=_" => ">=",
        _ => return None,
    })
}

/// cel-go's `found no matching overload` for an operator applied to scalars no overload of it
/// takes; `None` when one does, or when an argument's type is not a known scalar.
pub fn no_matching_overload(function: &str, args: &[Type]) -> Option<String> {
    symbol(function)?;
    let scalar = |ty: &Ty| ty.is_scalar() || matches!(ty, Ty::String | Ty::Bytes);
    let types: Vec<Ty> = args.iter().map(Type::cel).filter(scalar).collect();
    if types.len() < args.len() {
        return None;
    }
    let names: Vec<&str> = types.iter().filter_map(Ty::name).collect();
    let takes = !resolve(function, None, &types, Join::Certain)
        .costs
        .is_empty();
    (!takes).then(|| {
        format!(
            "found no matching overload for '{function}' applied to '({})'",
            names.join(", ")
        )
    })
}

#[cfg(test)]
mod tests;
