//! The functions kube-apiserver's CEL environment for validation rules declares — cel-go's
//! standard library and macros, the optional types, the `strings` (v2), `lists`, `sets`, `math`
//! and two-variable comprehension extensions, and Kubernetes' lists, regex, URL, authorizer,
//! quantity, IP, CIDR, format and semver libraries — one table of their overloads with the
//! types they take and give (`CrossTypeNumericComparisons` on) and the class of cel-go's cost
//! estimate each falls in, and the overloads a call resolves to as cel-go's checker resolves
//! them. The type check and the cost estimate both read it. Pure.

use super::cel_types::{Join, Ty};

/// A type in an overload's signature: a type without parameters, a list, map or optional of
/// types, a type parameter (`A`, `B`), or one of several types (`OneOf`, for cel-go's
/// overloads of each with the same result).
#[derive(Debug)]
enum Sig {
    Of(Ty),
    A,
    B,
    List(&'static Sig),
    Map(&'static Sig, &'static Sig),
    Optional(&'static Sig),
    OneOf(&'static [Sig]),
}

/// The class of cel-go's cost estimate an overload falls in (`coster.functionCost`), named
/// after the overloads it costs: `Fixed` costs 1, `Affix` is `startsWith`/`endsWith`, `Concat` the
/// addition of strings or bytes, `Compare` their comparisons; the Kubernetes libraries' costs go by the function's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    Fixed,
    Format,
    StringToBytes,
    BytesToString,
    Quote,
    Affix,
    InList,
    Matches,
    Contains,
    Logical,
    Conditional,
    Concat,
    AddList,
    Compare,
    Equals,
    IndexList,
    IndexMap,
}

/// How an overload is called: `f(args)`, `receiver.f(args)` (the receiver its first
/// parameter), or either way with any arguments (a macro, or a function no check needs the
/// arguments of).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Global,
    Member,
    Any,
}

/// One overload of one or more functions (operators by cel-go's names, `_+_`): the types it
/// takes and gives, and its cost class.
#[derive(Debug)]
struct Overload {
    names: Names,
    form: Form,
    params: Params,
    result: Sig,
    cost: Cost,
}

type Names = &'static [&'static str];
type Params = &'static [Sig];

const fn g(names: Names, params: Params, result: Sig) -> Overload {
    overload(Form::Global, names, params, result, Cost::Fixed)
}

const fn m(names: Names, params: Params, result: Sig) -> Overload {
    overload(Form::Member, names, params, result, Cost::Fixed)
}

const fn gc(names: Names, params: Params, result: Sig, cost: Cost) -> Overload {
    overload(Form::Global, names, params, result, cost)
}

const fn mc(names: Names, params: Params, result: Sig, cost: Cost) -> Overload {
    overload(Form::Member, names, params, result, cost)
}

const fn any(names: Names, result: Sig) -> Overload {
    overload(Form::Any, names, &[], result, Cost::Fixed)
}

const fn overload(form: Form, names: Names, params: Params, result: Sig, cost: Cost) -> Overload {
    Overload {
        names,
        form,
        params,
        result,
        cost,
    }
}

const BOOL: Sig = Sig::Of(Ty::Bool);
const INT: Sig = Sig::Of(Ty::Int);
const UINT: Sig = Sig::Of(Ty::Uint);
const DOUBLE: Sig = Sig::Of(Ty::Double);
const STRING: Sig = Sig::Of(Ty::String);
const BYTES: Sig = Sig::Of(Ty::Bytes);
const DURATION: Sig = Sig::Of(Ty::Duration);
const TIMESTAMP: Sig = Sig::Of(Ty::Timestamp);
const DYN: Sig = Sig::Of(Ty::Dyn);
const A: Sig = Sig::A;
const B: Sig = Sig::B;
const NUMBER: Sig = Sig::OneOf(&[INT, UINT, DOUBLE]);
const LIST_A: Sig = Sig::List(&A);
const LIST_DYN: Sig = Sig::List(&DYN);
const LIST_STRING: Sig = Sig::List(&STRING);
const MAP_AB: Sig = Sig::Map(&A, &B);
const OPTIONAL_A: Sig = Sig::Optional(&A);
const IP: Sig = Sig::Of(Ty::Opaque("ip"));
const CIDR: Sig = Sig::Of(Ty::Opaque("cidr"));
const URL: Sig = Sig::Of(Ty::Opaque("url"));
const QUANTITY: Sig = Sig::Of(Ty::Opaque("quantity"));
const SEMVER: Sig = Sig::Of(Ty::Opaque("semver"));

const ARITHMETIC: &[&str] = &["_+_", "_-_", "_*_", "_/_", "_%_"];
const COMPARE: &[&str] = &["_<_", "_<=_", "_>_", "_>=_"];
#[rustfmt::skip]
const DATE: &[&str] = &["getFullYear", "getMonth", "getDayOfYear", "getDayOfMonth", "getDate",
    "getDayOfWeek", "getHours", "getMinutes", "getSeconds", "getMilliseconds"];

/// Every overload.
#[rustfmt::skip]
static OVERLOADS: &[Overload] = &[
    // Operators.
    g(&["!_", "@not_strictly_false"], &[BOOL], BOOL),
    gc(&["_&&_", "_||_"], &[BOOL, BOOL], BOOL, Cost::Logical),
    gc(&["_?_:_"], &[BOOL, A, A], A, Cost::Conditional),
    gc(&["_==_", "_!=_"], &[A, A], BOOL, Cost::Equals),
    g(&["-_"], &[INT], INT),
    g(&["-_"], &[DOUBLE], DOUBLE),
    g(ARITHMETIC, &[INT, INT], INT),
    g(ARITHMETIC, &[UINT, UINT], UINT),
    g(&["_+_", "_-_", "_*_", "_/_"], &[DOUBLE, DOUBLE], DOUBLE),
    gc(&["_+_"], &[STRING, STRING], STRING, Cost::Concat),
    gc(&["_+_"], &[BYTES, BYTES], BYTES, Cost::Concat),
    gc(&["_+_"], &[LIST_A, LIST_A], LIST_A, Cost::AddList),
    g(&["_+_", "_-_"], &[TIMESTAMP, DURATION], TIMESTAMP),
    g(&["_+_"], &[DURATION, TIMESTAMP], TIMESTAMP),
    g(&["_+_", "_-_"], &[DURATION, DURATION], DURATION),
    g(&["_-_"], &[TIMESTAMP, TIMESTAMP], DURATION),
    g(COMPARE, &[BOOL, BOOL], BOOL),
    g(COMPARE, &[NUMBER, NUMBER], BOOL),
    gc(COMPARE, &[STRING, STRING], BOOL, Cost::Compare),
    gc(COMPARE, &[BYTES, BYTES], BOOL, Cost::Compare),
    g(COMPARE, &[TIMESTAMP, TIMESTAMP], BOOL),
    g(COMPARE, &[DURATION, DURATION], BOOL),
    gc(&["@in"], &[A, LIST_A], BOOL, Cost::InList),
    g(&["@in"], &[A, MAP_AB], BOOL),
    gc(&["_[_]"], &[LIST_A, INT], A, Cost::IndexList),
    gc(&["_[_]"], &[MAP_AB, A], B, Cost::IndexMap),
    g(&["_[?_]"], &[LIST_A, INT], OPTIONAL_A),
    g(&["_[?_]"], &[MAP_AB, A], Sig::Optional(&B)),
    any(&["_?._"], DYN),
    // Standard functions and macros.
    any(&["size"], INT),
    g(&["int"], &[Sig::OneOf(&[INT, UINT, DOUBLE, STRING, TIMESTAMP, DURATION])], INT),
    g(&["uint"], &[Sig::OneOf(&[INT, UINT, DOUBLE, STRING])], UINT),
    g(&["double"], &[Sig::OneOf(&[INT, UINT, DOUBLE, STRING])], DOUBLE),
    gc(&["string"], &[BYTES], STRING, Cost::BytesToString),
    g(&["string"], &[Sig::OneOf(&[INT, UINT, DOUBLE, BOOL, STRING, TIMESTAMP, DURATION, IP, CIDR])],
        STRING),
    gc(&["bytes"], &[STRING], BYTES, Cost::StringToBytes),
    g(&["bytes"], &[BYTES], BYTES),
    g(&["bool"], &[Sig::OneOf(&[BOOL, STRING])], BOOL),
    g(&["duration"], &[Sig::OneOf(&[DURATION, STRING])], DURATION),
    g(&["timestamp"], &[Sig::OneOf(&[TIMESTAMP, STRING, INT])], TIMESTAMP),
    g(&["dyn"], &[DYN], DYN),
    g(&["type"], &[DYN], Sig::Of(Ty::Type)),
    g(&["matches"], &[STRING, STRING], BOOL),
    mc(&["matches"], &[STRING, STRING], BOOL, Cost::Matches),
    mc(&["contains"], &[STRING, STRING], BOOL, Cost::Contains),
    mc(&["startsWith", "endsWith"], &[STRING, STRING], BOOL, Cost::Affix),
    m(DATE, &[TIMESTAMP], INT),
    m(DATE, &[TIMESTAMP, STRING], INT),
    m(&["getHours", "getMinutes", "getSeconds", "getMilliseconds"], &[DURATION], INT),
    any(&["has", "all", "exists", "exists_one", "existsOne", "map", "filter", "transformList",
        "transformMap", "transformMapEntry", "optMap", "optFlatMap", "sortBy"], DYN),
    // Optional types.
    m(&["hasValue"], &[OPTIONAL_A], BOOL),
    m(&["value"], &[OPTIONAL_A], A),
    m(&["or"], &[OPTIONAL_A, OPTIONAL_A], OPTIONAL_A),
    m(&["orValue"], &[OPTIONAL_A, A], A),
    m(&["unwrapOpt"], &[Sig::List(&OPTIONAL_A)], LIST_A),
    g(&["optional.of", "optional.ofNonZeroValue"], &[A], OPTIONAL_A),
    g(&["optional.none"], &[], Sig::Optional(&DYN)),
    // Strings.
    m(&["charAt"], &[STRING, INT], STRING),
    m(&["indexOf", "lastIndexOf"], &[STRING, STRING], INT),
    m(&["indexOf", "lastIndexOf"], &[STRING, STRING, INT], INT),
    m(&["lowerAscii", "upperAscii", "trim", "reverse"], &[STRING], STRING),
    m(&["replace"], &[STRING, STRING, STRING], STRING),
    m(&["replace"], &[STRING, STRING, STRING, INT], STRING),
    m(&["split"], &[STRING, STRING], LIST_STRING),
    m(&["split"], &[STRING, STRING, INT], LIST_STRING),
    m(&["substring"], &[STRING, INT], STRING),
    m(&["substring"], &[STRING, INT, INT], STRING),
    m(&["join"], &[LIST_STRING], STRING),
    m(&["join"], &[LIST_STRING, STRING], STRING),
    mc(&["format"], &[STRING, LIST_DYN], STRING, Cost::Format),
    gc(&["strings.quote"], &[STRING], STRING, Cost::Quote),
    g(&["jsonpatch.escapeKey"], &[STRING], STRING),
    // Lists and sets.
    m(&["indexOf", "lastIndexOf"], &[LIST_A, A], INT),
    m(&["isSorted"], &[LIST_A], BOOL),
    m(&["sum", "min", "max"], &[LIST_A], A),
    m(&["distinct", "sort", "reverse"], &[LIST_A], LIST_A),
    m(&["slice"], &[LIST_A, INT, INT], LIST_A),
    m(&["flatten"], &[Sig::List(&LIST_A)], LIST_A),
    m(&["flatten"], &[LIST_DYN, INT], LIST_DYN),
    m(&["first", "last"], &[LIST_A], OPTIONAL_A),
    g(&["lists.range"], &[INT], Sig::List(&INT)),
    g(&["sets.contains", "sets.equivalent", "sets.intersects"], &[LIST_A, LIST_A], BOOL),
    // Math.
    g(&["math.greatest", "math.least"], &[A], A),
    g(&["math.greatest", "math.least"], &[A, A], A),
    g(&["math.abs", "math.sign"], &[INT], INT),
    g(&["math.abs", "math.sign"], &[UINT], UINT),
    g(&["math.abs", "math.sign"], &[DOUBLE], DOUBLE),
    g(&["math.ceil", "math.floor", "math.round", "math.trunc"], &[DOUBLE], DOUBLE),
    g(&["math.isNaN", "math.isInf", "math.isFinite"], &[DOUBLE], BOOL),
    // Regex and URLs.
    m(&["find"], &[STRING, STRING], STRING),
    m(&["findAll"], &[STRING, STRING], LIST_STRING),
    m(&["findAll"], &[STRING, STRING, INT], LIST_STRING),
    g(&["url"], &[STRING], URL),
    g(&["isURL"], &[STRING], BOOL),
    m(&["getScheme", "getHost", "getHostname", "getPort", "getEscapedPath"], &[URL], STRING),
    m(&["getQuery"], &[URL], Sig::Map(&STRING, &LIST_STRING)),
    // Authorizer.
    any(&["path", "group", "resource", "subresource", "namespace", "name", "check", "allowed",
        "reason", "errored", "error", "serviceAccount", "fieldSelector", "labelSelector"], DYN),
    // Quantity and semver.
    g(&["quantity"], &[STRING], QUANTITY),
    g(&["isQuantity"], &[STRING], BOOL),
    g(&["sign"], &[QUANTITY], INT),
    m(&["asInteger"], &[QUANTITY], INT),
    m(&["isInteger"], &[QUANTITY], BOOL),
    m(&["asApproximateFloat"], &[QUANTITY], DOUBLE),
    m(&["add", "sub"], &[QUANTITY, Sig::OneOf(&[QUANTITY, INT])], QUANTITY),
    m(&["isGreaterThan", "isLessThan"], &[QUANTITY, QUANTITY], BOOL),
    m(&["compareTo"], &[QUANTITY, QUANTITY], INT),
    g(&["semver"], &[STRING], SEMVER),
    g(&["semver"], &[STRING, BOOL], SEMVER),
    g(&["isSemver"], &[STRING], BOOL),
    g(&["isSemver"], &[STRING, BOOL], BOOL),
    m(&["isGreaterThan", "isLessThan"], &[SEMVER, SEMVER], BOOL),
    m(&["compareTo"], &[SEMVER, SEMVER], INT),
    m(&["major", "minor", "patch"], &[SEMVER], INT),
    // IP and CIDR.
    g(&["ip"], &[STRING], IP),
    m(&["ip"], &[CIDR], IP),
    g(&["isIP", "ip.isCanonical"], &[STRING], BOOL),
    m(&["family"], &[IP], INT),
    m(&["isUnspecified", "isLoopback", "isLinkLocalMulticast", "isLinkLocalUnicast",
        "isGlobalUnicast"], &[IP], BOOL),
    g(&["cidr"], &[STRING], CIDR),
    g(&["isCIDR"], &[STRING], BOOL),
    m(&["containsIP"], &[CIDR, Sig::OneOf(&[STRING, IP])], BOOL),
    m(&["containsCIDR"], &[CIDR, Sig::OneOf(&[STRING, CIDR])], BOOL),
    m(&["masked"], &[CIDR], CIDR),
    m(&["prefixLength"], &[CIDR], INT),
    // Format.
    g(&["format.named"], &[STRING], Sig::Optional(&Sig::Of(Ty::Opaque("format")))),
    m(&["validate"], &[Sig::Of(Ty::Opaque("format")), STRING], Sig::Optional(&LIST_STRING)),
];

/// Whether some library declares a function `name` (operators by cel-go's names).
pub fn declared(name: &str) -> bool {
    OVERLOADS.iter().any(|o| o.names.contains(&name))
}

/// What a call resolves to.
#[derive(Debug)]
pub struct Resolved {
    /// The cost classes of the overloads its arguments' types admit (`dyn` admitting all),
    /// each once; none when none does.
    pub costs: Vec<Cost>,
    /// The type of its result: the one its overloads give, `dyn` when they differ (when none
    /// admits the arguments: the one all overloads of the function give, else `dyn`).
    pub result: Ty,
}

/// The overloads of `function` (namespaced functions by their whole name, `math.abs`) a call
/// with the receiver `target` and `args` resolves to, type parameters joined as `join` tells.
/// With `Join::Known`, when none takes the arguments, those taking them with each type
/// parameter free to stand for different types, and objects for maps, are taken.
pub fn resolve(function: &str, target: Option<&Ty>, args: &[Ty], join: Join) -> Resolved {
    let given: Vec<&Ty> = target.into_iter().chain(args).collect();
    let named: Vec<&'static Overload> = (OVERLOADS.iter())
        .filter(|o| o.names.contains(&function))
        .collect();
    let taking = |strict: bool| -> Vec<(&'static Overload, Ty)> {
        let mut found = Vec::new();
        for overload in &named {
            let mut binding = Binding::new(join, strict);
            if overload.takes(target.is_some(), &given, &mut binding) {
                found.push((*overload, binding.ty(&overload.result)));
            }
        }
        found
    };
    let mut found = taking(true);
    if found.is_empty() && join == Join::Known {
        found = taking(false);
    }
    let mut costs = Vec::new();
    for (overload, _) in &found {
        if !costs.contains(&overload.cost) {
            costs.push(overload.cost);
        }
    }
    let results: Vec<Ty> = if found.is_empty() {
        let free = Binding::new(join, true);
        named.iter().map(|o| free.ty(&o.result)).collect()
    } else {
        found.into_iter().map(|(_, ty)| ty).collect()
    };
    let result = (results.into_iter()).reduce(|a, b| a.join(&b, join).unwrap_or(Ty::Dyn));
    Resolved {
        costs,
        result: result.unwrap_or(Ty::Dyn),
    }
}

impl Overload {
    /// Whether a call (a member's when `member`) of types `given` is one of it.
    fn takes(&self, member: bool, given: &[&Ty], binding: &mut Binding) -> bool {
        match self.form {
            Form::Any => true,
            form if (form == Form::Member) != member || self.params.len() != given.len() => false,
            _ => (self.params.iter().zip(given)).all(|(sig, ty)| binding.binds(sig, ty)),
        }
    }
}

/// The types an overload's type parameters stand for, as a call binds them.
struct Binding {
    params: [Option<Ty>; 2],
    join: Join,
    /// A parameter bound already takes only a type joining its own.
    strict: bool,
}

impl Binding {
    fn new(join: Join, strict: bool) -> Self {
        Self {
            params: [None, None],
            join,
            strict,
        }
    }

    /// Whether `sig` takes a `ty`, binding the type parameters in it.
    fn binds(&mut self, sig: &Sig, ty: &Ty) -> bool {
        match (sig, ty) {
            (Sig::A | Sig::B, _) => {
                let slot = &mut self.params[usize::from(matches!(sig, Sig::B))];
                match slot.as_ref().map(|bound| bound.join(ty, self.join)) {
                    None => *slot = Some(ty.clone()),
                    Some(Some(joined)) => *slot = Some(joined),
                    Some(None) => return !self.strict,
                }
                true
            }
            (Sig::Of(Ty::Dyn), _) | (_, Ty::Dyn) => true,
            (Sig::OneOf(sigs), _) => sigs.iter().any(|s| self.binds(s, ty)),
            (Sig::List(s), Ty::List(t)) | (Sig::Optional(s), Ty::Optional(t)) => self.binds(s, t),
            (Sig::Map(k, v), Ty::Map(tk, tv)) => self.binds(k, tk) && self.binds(v, tv),
            (Sig::Map(k, v), Ty::Object(_)) if !self.strict => {
                self.binds(k, &Ty::String) && self.binds(v, &Ty::Dyn)
            }
            (Sig::Of(Ty::Opaque(a)), Ty::Opaque(b)) => a == b,
            (Sig::Of(want), _) if !matches!(want, Ty::Opaque(_)) => {
                std::mem::discriminant(want) == std::mem::discriminant(ty)
            }
            _ => false,
        }
    }

    /// The type `sig` stands for, its type parameters as bound (`dyn` when not).
    fn ty(&self, sig: &Sig) -> Ty {
        let boxed = |sig: &Sig| Box::new(self.ty(sig));
        match sig {
            Sig::Of(ty) => ty.clone(),
            Sig::OneOf(_) => Ty::Dyn,
            Sig::A => self.params[0].clone().unwrap_or(Ty::Dyn),
            Sig::B => self.params[1].clone().unwrap_or(Ty::Dyn),
            Sig::List(item) => Ty::List(boxed(item)),
            Sig::Map(key, value) => Ty::Map(boxed(key), boxed(value)),
            Sig::Optional(inner) => Ty::Optional(boxed(inner)),
        }
    }
}

#[cfg(test)]
mod tests;
