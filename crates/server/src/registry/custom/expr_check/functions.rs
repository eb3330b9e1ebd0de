//! The functions kube-apiserver's CEL environment for validation rules declares (cel-go's
//! standard library and macros, the optional types, the `strings` (v2), `lists` (v3), `sets`
//! and two-variable comprehension extensions, and Kubernetes' lists, regex, URL, authorizer,
//! quantity, IP, CIDR, format and semver libraries), and the overloads of the operators on
//! scalars, as its checker resolves them (`CrossTypeNumericComparisons` on). Pure.

use super::Type;

/// Every function name, member or global (macros included), that some library declares.
const DECLARED: &[&str] = &[
    // Operators.
    "_+_",
    "_-_",
    "_*_",
    "_/_",
    "_%_",
    "-_",
    "!_",
    "_&&_",
    "_||_",
    "_?_:_",
    "_==_",
    "_!=_",
    "_<_",
    "_<=_",
    "_>_",
    "_>=_",
    "@in",
    "@not_strictly_false",
    "_[_]",
    "_[?_]",
    "_?._",
    // Standard functions and macros.
    "size",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "bool",
    "duration",
    "timestamp",
    "dyn",
    "type",
    "matches",
    "contains",
    "startsWith",
    "endsWith",
    "getFullYear",
    "getMonth",
    "getDayOfYear",
    "getDayOfMonth",
    "getDate",
    "getDayOfWeek",
    "getHours",
    "getMinutes",
    "getSeconds",
    "getMilliseconds",
    "has",
    "all",
    "exists",
    "exists_one",
    "existsOne",
    "map",
    "filter",
    "transformList",
    "transformMap",
    "transformMapEntry",
    // Optional types.
    "hasValue",
    "value",
    "or",
    "orValue",
    "optMap",
    "optFlatMap",
    "unwrapOpt",
    // Strings.
    "charAt",
    "indexOf",
    "lastIndexOf",
    "lowerAscii",
    "upperAscii",
    "replace",
    "split",
    "substring",
    "trim",
    "join",
    "format",
    "reverse",
    // Lists.
    "slice",
    "flatten",
    "distinct",
    "sort",
    "sortBy",
    "first",
    "last",
    "isSorted",
    "sum",
    "max",
    "min",
    // Regex and URLs.
    "find",
    "findAll",
    "url",
    "isURL",
    "getScheme",
    "getHost",
    "getHostname",
    "getPort",
    "getEscapedPath",
    "getQuery",
    // Authorizer.
    "path",
    "group",
    "resource",
    "subresource",
    "namespace",
    "name",
    "check",
    "allowed",
    "reason",
    "errored",
    "error",
    "serviceAccount",
    "fieldSelector",
    "labelSelector",
    // Quantity and semver.
    "quantity",
    "isQuantity",
    "sign",
    "isInteger",
    "asInteger",
    "asApproximateFloat",
    "add",
    "sub",
    "isGreaterThan",
    "isLessThan",
    "compareTo",
    "semver",
    "isSemver",
    "major",
    "minor",
    "patch",
    // IP and CIDR.
    "ip",
    "isIP",
    "family",
    "isUnspecified",
    "isLoopback",
    "isLinkLocalMulticast",
    "isLinkLocalUnicast",
    "isGlobalUnicast",
    "cidr",
    "isCIDR",
    "containsIP",
    "containsCIDR",
    "masked",
    "prefixLength",
    // Format.
    "validate",
];

/// Whether some library declares a function `name`.
pub fn declared(name: &str) -> bool {
    DECLARED.contains(&name)
}

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

/// The scalar types whose overloads are worked out here.
const SCALARS: [&str; 8] = [
    "bool",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "google.protobuf.Duration",
    "google.protobuf.Timestamp",
];

/// cel-go's `found no matching overload` for an operator applied to scalars no overload of it
/// takes; `None` when one does, or when an argument's type is not a known scalar.
pub fn no_matching_overload(function: &str, args: &[Type]) -> Option<String> {
    symbol(function)?;
    let names: Vec<&'static str> = args
        .iter()
        .map(|arg| arg.name().filter(|name| SCALARS.contains(name)))
        .collect::<Option<_>>()?;
    let numeric = |t: &str| matches!(t, "int" | "uint" | "double");
    let (duration, timestamp) = ("google.protobuf.Duration", "google.protobuf.Timestamp");
    let takes = match (function, names.as_slice()) {
        ("!_", [a]) => *a == "bool",
        ("_&&_" | "_||_", [a, b]) => *a == "bool" && *b == "bool",
        ("_+_", [a, b]) => {
            (a == b && *a != "bool" && *a != timestamp)
                || (*a == timestamp && *b == duration)
                || (*a == duration && *b == timestamp)
        }
        ("_-_", [a, b]) => {
            (a == b && (numeric(a) || *a == duration || *a == timestamp))
                || (*a == timestamp && *b == duration)
        }
        ("_*_" | "_/_", [a, b]) => a == b && numeric(a),
        ("_%_", [a, b]) => a == b && matches!(*a, "int" | "uint"),
        ("_<_" | "_<=_" | "_>_" | "_>=_", [a, b]) => a == b || (numeric(a) && numeric(b)),
        _ => return None,
    };
    (!takes).then(|| {
        format!(
            "found no matching overload for '{function}' applied to '({})'",
            names.join(", ")
        )
    })
}

#[cfg(test)]
mod tests;
