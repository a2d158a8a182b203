use super::*;

/// The non-whitespace tokens of `text` as (kind, text) pairs.
fn toks(text: &str) -> Vec<(Kind, &str)> {
    tokens(text).filter(|t| t.kind != Kind::Whitespace).map(|t| (t.kind, &text[t.lo..t.hi])).collect()
}

const CHAR: Kind = Kind::Char { terminated: true };

#[test]
fn tokens_cover_the_text_in_order() {
    let text = "\u{feff}#!/usr/bin/env x\nfn f<'a>(s: &'a str) -> char { /* é */ let _ = r#\"\"#; 'é' } // ünï\r\n";
    let mut at = 0;
    for t in tokens(text) {
        assert_eq!(t.lo, at);
        assert!(text.is_char_boundary(t.lo) && text.is_char_boundary(t.hi), "{t:?}");
        at = t.hi;
    }
    assert_eq!(at, text.len());
}

#[test]
fn char_literals_and_lifetimes() {
    let text = "'a 'static 'x' '\\'' '\\u{1F600}' 'é' '€' '😀' b'x' b'\\'' 'outer: '\"' '''";
    assert_eq!(
        toks(text),
        [
            (Kind::Lifetime, "'a"),
            (Kind::Lifetime, "'static"),
            (CHAR, "'x'"),
            (CHAR, "'\\''"),
            (CHAR, "'\\u{1F600}'"),
            (CHAR, "'é'"),
            (CHAR, "'€'"),
            (CHAR, "'😀'"),
            (CHAR, "b'x'"),
            (CHAR, "b'\\''"),
            (Kind::Lifetime, "'outer"),
            (Kind::Punct(b':'), ":"),
            (CHAR, "'\"'"),
            (CHAR, "'''"),
        ]
    );
    // A lifetime with a non-ASCII name is one token, never cut inside a char.
    assert_eq!(toks("&'é u8"), [(Kind::Punct(b'&'), "&"), (Kind::Lifetime, "'é"), (Kind::Ident, "u8")]);
}

#[test]
fn strings_of_every_form() {
    let text = r####"" \" " b"\\" c"x" r"a\" r#"" "# br##"#"#"## cr"z" r#match"####;
    let kinds: Vec<Kind> = toks(text).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        kinds,
        [
            Kind::Str { terminated: true },
            Kind::Str { terminated: true },
            Kind::Str { terminated: true },
            Kind::RawStr { hashes: 0, terminated: true },
            Kind::RawStr { hashes: 1, terminated: true },
            Kind::RawStr { hashes: 2, terminated: true },
            Kind::RawStr { hashes: 0, terminated: true },
            Kind::Ident,
        ]
    );
    let raw = "r#\"a\"#";
    let t = tokens(raw).next().unwrap();
    assert_eq!(t.contents(raw), Some((3, 4)));
    assert_eq!(toks("\"open"), [(Kind::Str { terminated: false }, "\"open")]);
    assert_eq!(toks("r##\"open\"#"), [(Kind::RawStr { hashes: 2, terminated: false }, "r##\"open\"#")]);
}

#[test]
fn comments_of_every_form() {
    let text = "// a\n/// b\n//// c\n//! d\n/* /* nested */ still */ /** e */ /*! f */ /**/ /***/";
    let kinds: Vec<Kind> = toks(text).into_iter().map(|(k, _)| k).collect();
    let block = |doc| Kind::BlockComment { doc, terminated: true };
    assert_eq!(
        kinds,
        [
            Kind::LineComment(Doc::No),
            Kind::LineComment(Doc::Outer),
            Kind::LineComment(Doc::No),
            Kind::LineComment(Doc::Inner),
            block(Doc::No),
            block(Doc::Outer),
            block(Doc::Inner),
            block(Doc::No),
            block(Doc::No),
        ]
    );
    assert_eq!(toks("/* open /* */"), [(Kind::BlockComment { doc: Doc::No, terminated: false }, "/* open /* */")]);
    // The `\r` of a CRLF line ending is not part of the comment.
    assert_eq!(toks("// x\r\ny"), [(Kind::LineComment(Doc::No), "// x"), (Kind::Ident, "y")]);
}

#[test]
fn bom_and_shebang_are_trivia_but_an_inner_attribute_is_not() {
    assert_eq!(
        toks("\u{feff}#!/usr/bin/env run \"x\nfn"),
        [(Kind::Bom, "\u{feff}"), (Kind::Shebang, "#!/usr/bin/env run \"x"), (Kind::Ident, "fn")]
    );
    assert_eq!(toks("#![x]")[0], (Kind::Punct(b'#'), "#"));
    assert_eq!(toks("#! [x]")[0], (Kind::Punct(b'#'), "#"));
    assert_eq!(toks("fn f() {}\n#!x")[6], (Kind::Punct(b'#'), "#"));
}

// Where the nesting check's scanner and the suppression scanner used to
// disagree, and what rustc does.

/// `'''` is one (quote) literal to rustc. The nesting check read it so; the
/// suppression scanner saw three lone quotes.
#[test]
fn triple_quote_is_one_char_literal() {
    assert_eq!(toks("'''; x"), [(CHAR, "'''"), (Kind::Punct(b';'), ";"), (Kind::Ident, "x")]);
}

/// An escaped character literal left open ends at the line break, as rustc
/// reports it. The nesting check took the line break into the literal; the
/// suppression scanner read a lone quote and went on.
#[test]
fn unterminated_escaped_char_ends_at_the_line() {
    assert_eq!(
        toks("'\\n;\n(x)"),
        [
            (Kind::Char { terminated: false }, "'\\n;"),
            (Kind::Punct(b'('), "("),
            (Kind::Ident, "x"),
            (Kind::Punct(b')'), ")")
        ]
    );
}

/// rustc reads `'ab'` as one (invalid) literal; both scanners read a
/// lifetime `'ab` and then a lone quote.
#[test]
fn quoted_word_is_one_literal() {
    assert_eq!(toks("'ab' (x)")[0], (CHAR, "'ab'"));
}

/// Escapes before a multi-byte character step over the whole character.
#[test]
fn escapes_never_stop_inside_a_character() {
    for text in ["\"\\é\" x", "'\\é' x", "b'\\€' x", "\"\\😀"] {
        for t in tokens(text) {
            assert!(text.is_char_boundary(t.hi), "{text:?} {t:?}");
        }
    }
}
