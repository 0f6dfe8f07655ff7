//! Trees from other front ends (Python, hand-built) can nest deeper than the parser allows: the
//! checker reports E0901 instead of overflowing the stack, on an ordinary 2 MiB thread.

use rdx_lang::ast::*;
use rdx_lang::check::{CheckOptions, MAX_DEPTH, check};
use rdx_lang::codes::Code;

fn sp() -> Span {
    Span::default()
}

fn var(n: &str) -> Expr {
    Expr::new(ExprKind::Var(n.into()), sp())
}

fn program(body: Vec<Stmt>) -> Program {
    let x = Ident { name: "x".into(), span: sp() };
    Program {
        dialect: Dialect::Rdx,
        consts: vec![],
        genes: vec![Gene {
            name: Ident { name: "f".into(), span: sp() },
            params: vec![Param { name: x, ty: Type::U64, ty_span: sp() }],
            body: Block { stmts: body, span: sp() },
            span: sp(),
        }],
    }
}

fn nested_ifs(depth: usize) -> Program {
    let mut s = Stmt { kind: StmtKind::Skip, span: sp() };
    for _ in 0..depth {
        s = Stmt {
            kind: StmtKind::If {
                cond: Box::new(var("x")),
                then_block: Block { stmts: vec![s], span: sp() },
                else_block: None,
                fi: Box::new(var("x")),
            },
            span: sp(),
        };
    }
    program(vec![s])
}

fn deep_expr(depth: usize) -> Program {
    let mut e = Expr::new(ExprKind::Int(1), sp());
    for _ in 0..depth {
        e = Expr::new(ExprKind::Unary(UnOp::BitNot, Box::new(e)), sp());
    }
    let target = Place { name: Ident { name: "x".into(), span: sp() }, index: None, span: sp() };
    program(vec![Stmt { kind: StmtKind::Update { target, op: UpdateOp::Add, value: e }, span: sp() }])
}

fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(2 << 20).spawn(f).expect("thread").join().expect("no overflow")
}

#[test]
fn deep_statements_and_expressions_are_an_error_not_a_crash() {
    let codes = on_small_stack(|| {
        let mut out = Vec::new();
        for p in [nested_ifs(5000), deep_expr(5000)] {
            let r = check(&p, &CheckOptions::default());
            out.push(r.err().map(|d| d.iter().map(|d| d.code).collect::<Vec<_>>()));
            // Dropping the deep tree is the caller's business; leak it so the test measures
            // the checker only.
            std::mem::forget(p);
        }
        out
    });
    assert_eq!(codes, [Some(vec![Code::E0901]), Some(vec![Code::E0901])]);
}

#[test]
fn nesting_below_the_limit_checks() {
    // What the parser can produce: 256 nested blocks with a 256-deep expression inside.
    let depth = (MAX_DEPTH - 10) as usize;
    let ok = on_small_stack(move || {
        check(&nested_ifs(depth), &CheckOptions::default()).is_ok()
            && check(&deep_expr(depth), &CheckOptions::default()).is_ok()
    });
    assert!(ok);
}
