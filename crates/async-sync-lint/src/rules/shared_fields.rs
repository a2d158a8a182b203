//! One lock reached by two paths. A constructor that hands one value to two
//! structs it builds (`let runner = Runner { db: db.clone() }; State { db,
//! runner }`) makes `State.runner.db` the same lock as `State.db`: holding
//! one and locking the other through a method of `Runner` re-locks it.
//!
//! Only what one body shows is believed: both struct literals and the outer
//! struct's field holding the inner one are initialised in that body, and
//! the outer struct declares that field with the inner struct's type.

use std::collections::HashMap;

use crate::analysis::facts::{Body, Callee, TypeRepr};
use crate::analysis::index::CrateIndex;
use crate::diagnostic::Span;

/// `Owner` + `.inner.field` names the same value as `Owner` + `same_as`.
#[derive(Clone, Debug)]
pub struct SharedField {
    pub same_as: String,
    /// The body that builds both (`State::new`), and where it hands the
    /// value to the inner struct.
    pub builder: String,
    pub file: usize,
    pub span: Span,
}

/// (type, constructor name) → what it stores.
type Ctors<'f> = HashMap<(&'f str, &'f str), Ctor<'f>>;

/// A constructor that stores some of its parameters in fields.
struct Ctor<'f> {
    /// How many plain-named parameters it has (0 when two constructors
    /// of that name disagree).
    params: usize,
    /// (parameter position, field set from it).
    stored: Vec<(usize, &'f str)>,
}

#[derive(Default)]
pub struct SharedFields {
    /// (owner, `.inner.field`) → the owner's own path to the same value.
    by_path: HashMap<(String, String), SharedField>,
}

impl SharedFields {
    pub fn new(index: &CrateIndex<'_>) -> SharedFields {
        let mut field_types: HashMap<&str, Vec<(&str, &TypeRepr)>> = HashMap::new();
        for (_, facts) in &index.files {
            for s in &facts.structs {
                field_types
                    .entry(s.name.as_str())
                    .or_default()
                    .extend(s.fields.iter().map(|f| (f.name.as_str(), &f.ty)));
            }
        }
        // Constructors that store an argument: `Runner::new(db)` and
        // `Runner::new(cfg, db)` set `Runner.db`.
        let mut storing_ctors: Ctors<'_> = HashMap::new();
        for (_, facts) in &index.files {
            for body in &facts.bodies {
                let Some(ty) = &body.self_ty else { continue };
                let fields: Vec<(usize, &str)> = body
                    .params
                    .iter()
                    .enumerate()
                    .flat_map(|(k, param)| {
                        body.field_inits.iter().filter(move |i| &i.local == param).map(move |i| (k, i.field.as_str()))
                    })
                    .collect();
                if !fields.is_empty() {
                    let name = body.name.rsplit("::").next().unwrap_or(&body.name);
                    let params = body.params.len();
                    let ctor = storing_ctors.entry((ty.as_str(), name)).or_insert(Ctor { params, stored: Vec::new() });
                    if ctor.params != params {
                        ctor.params = 0;
                    }
                    ctor.stored.extend(fields);
                }
            }
        }
        let mut out = SharedFields::default();
        for (fi, (_, facts)) in index.files.iter().enumerate() {
            for body in facts.bodies.iter().filter(|b| b.field_inits.len() >= 2) {
                out.note_builder(fi, body, &field_types, &storing_ctors);
            }
        }
        out
    }

    /// Within one body: a local given to `(outer, f)` and to `(inner, g)`,
    /// where `outer` has a field `h` of type `inner` set in the same body.
    fn note_builder(
        &mut self,
        fi: usize,
        body: &Body,
        field_types: &HashMap<&str, Vec<(&str, &TypeRepr)>>,
        storing_ctors: &Ctors<'_>,
    ) {
        let ty_of = |t: &str| -> Option<String> {
            if t == "Self" {
                body.self_ty.clone()
            } else {
                Some(t.to_string())
            }
        };
        let mut by_local: HashMap<&str, Vec<(String, &str, Span)>> = HashMap::new();
        for init in &body.field_inits {
            let Some(ty) = ty_of(&init.ty) else { continue };
            by_local.entry(init.local.as_str()).or_default().push((ty, init.field.as_str(), init.span));
        }
        for call in &body.calls {
            let Callee::Path(segs) = &call.callee else { continue };
            let [.., ty, name] = segs.as_slice() else { continue };
            let Some(ty) = ty_of(ty) else { continue };
            let Some(ctor) = storing_ctors.get(&(ty.as_str(), name.as_str())) else { continue };
            for &(k, field) in &ctor.stored {
                // One argument: the one local it mentions (`Runner::new(Arc::clone(&db))`).
                // Several: the local handed on at the parameter's position,
                // when the call passes as many arguments as the constructor
                // has plain-named parameters (a pattern parameter shifts
                // the positions).
                let local = match (call.arg_count, call.arg_idents.as_slice()) {
                    (1, [local]) if ctor.params == 1 => Some(local.as_str()),
                    (n, _) if n >= 2 && n as usize == ctor.params => call.arg_locals.get(k).and_then(|l| l.as_deref()),
                    _ => None,
                };
                if let Some(local) = local {
                    by_local.entry(local).or_default().push((ty.clone(), field, call.span));
                }
            }
        }
        let set_here = |owner: &str, field: &str| {
            body.field_inits.iter().any(|i| i.field == field && ty_of(&i.ty).as_deref() == Some(owner))
        };
        for inits in by_local.values() {
            for (outer, f, _) in inits {
                for (inner, g, span) in inits {
                    if outer == inner {
                        continue;
                    }
                    let Some(fields) = field_types.get(outer.as_str()) else { continue };
                    for (h, ty) in fields {
                        if named_struct(ty) != Some(inner.as_str()) || !set_here(outer, h) {
                            continue;
                        }
                        self.by_path.entry((outer.clone(), format!(".{h}.{g}"))).or_insert_with(|| SharedField {
                            same_as: format!(".{f}"),
                            builder: body.name.clone(),
                            file: fi,
                            span: *span,
                        });
                    }
                }
            }
        }
    }

    /// The owner's own path for `fields` (`.runner.db` → `.db`, and
    /// `.runner.db.x` → `.db.x`), when a builder shares it.
    pub fn canonical(&self, owner: &str, fields: &str) -> Option<(String, &SharedField)> {
        if self.by_path.is_empty() {
            return None;
        }
        // The path's first two fields: `.inner.field`.
        let mut dots = fields.match_indices('.').map(|(i, _)| i).skip(2);
        let end = dots.next().unwrap_or(fields.len());
        let (head, rest) = fields.split_at(end);
        let shared = self.by_path.get(&(owner.to_string(), head.to_string()))?;
        Some((format!("{}{rest}", shared.same_as), shared))
    }
}

/// The struct a field's type names, through references and smart pointers.
fn named_struct(t: &TypeRepr) -> Option<&str> {
    match t {
        TypeRepr::Ref(inner) => named_struct(inner),
        TypeRepr::Path { segments, args } => match segments.last()?.as_str() {
            "Arc" | "Rc" | "Box" => named_struct(args.first()?),
            name => Some(name),
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_rewrites_the_head_and_keeps_the_rest() {
        let mut s = SharedFields::default();
        let shared =
            SharedField { same_as: ".db".into(), builder: "State::new".into(), file: 0, span: Span::default() };
        s.by_path.insert(("State".into(), ".runner.db".into()), shared);
        assert_eq!(s.canonical("State", ".runner.db").map(|(p, _)| p), Some(".db".to_string()));
        assert_eq!(s.canonical("State", ".runner.db.rows").map(|(p, _)| p), Some(".db.rows".to_string()));
        assert!(s.canonical("State", ".runner.other").is_none());
        assert!(s.canonical("State", ".runner").is_none());
        assert!(s.canonical("Other", ".runner.db").is_none());
    }
}
