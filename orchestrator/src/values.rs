//! Parameter values between Python and the VM.
//!
//! Python gives one value per parameter: an `int` for `u64`/`i64`, a list of ints for arrays
//! and stacks (bottom first), a list of numbers for an `f64[N]` kernel buffer (given back as
//! floats) and a list of numbers (complex, float or int) for a `c64[N]` one (given back as
//! complex numbers). Signed types take and give negative ints (every integer of a Janus
//! program is signed); a stack of an rdx program holds untyped words, given back unsigned. The
//! Python layer range-checks first; a value that still does not fit raises `ValueRangeError`
//! here rather than being truncated.

use crate::errors;
use pyo3::prelude::*;
use pyo3::types::{PyComplex, PyList};
use rdx_lang::ast::{Dialect, Elem, Type};
use rdx_vm::Value;
use rdx_vm::module::ParamDef;
use rdx_vm::values::is_signed;

/// A parameter type as the Python layer sees it: rdx spelling, with integers of a Janus program
/// reported as signed.
pub fn type_name(dialect: Dialect, ty: Type) -> String {
    match (dialect, ty) {
        (Dialect::Janus, Type::U64) => Type::I64.to_string(),
        (Dialect::Janus, Type::Array(_, n)) => Type::Array(Elem::I64, n).to_string(),
        _ => ty.to_string(),
    }
}

/// Converts the Python values of a gene's parameters (in order) to VM values.
pub fn from_python(
    py: Python<'_>,
    dialect: Dialect,
    params: &[ParamDef],
    values: &Bound<'_, PyList>,
) -> PyResult<Vec<Value>> {
    if values.len() != params.len() {
        return Err(errors::make(
            py,
            "ValueRangeError",
            &format!("expected {} values (one per parameter), got {}", params.len(), values.len()),
            None,
        ));
    }
    let mut out = Vec::with_capacity(params.len());
    for (p, v) in params.iter().zip(values.iter()) {
        let signed = is_signed(dialect, p.ty);
        let value = match p.ty {
            Type::U64 | Type::I64 => Value::Int(word(py, &p.name, &v, signed)?),
            Type::Fixed(w) => {
                let x = word(py, &p.name, &v, w.signed)?;
                let x = rdx_vm::values::check_fixed(x, w, &v.to_string())
                    .map_err(|e| errors::make(py, "ValueRangeError", &format!("{}: {e}", p.name), None))?;
                Value::Int(x)
            }
            Type::Array(e, n) if e.is_float() => {
                let list = v.cast::<PyList>().map_err(|_| not_numbers(py, &p.name))?;
                if list.len() as u64 != n {
                    return Err(errors::make(
                        py,
                        "ValueRangeError",
                        &format!("{}: expected {n} elements for {}, got {}", p.name, p.ty, list.len()),
                        None,
                    ));
                }
                let mut words = Vec::with_capacity(list.len() * e.words() as usize);
                for x in list.iter() {
                    let (re, im) = number(py, &p.name, &x, e == Elem::C64)?;
                    words.push(re.to_bits());
                    if e == Elem::C64 {
                        words.push(im.to_bits());
                    }
                }
                Value::Array(words)
            }
            Type::Array(_, n) => {
                let items = words(py, &p.name, &v, signed)?;
                if items.len() as u64 != n {
                    return Err(errors::make(
                        py,
                        "ValueRangeError",
                        &format!("{}: expected {n} elements for {}, got {}", p.name, p.ty, items.len()),
                        None,
                    ));
                }
                Value::Array(items)
            }
            Type::Stack => Value::Stack(stack_words(py, &p.name, &v)?),
        };
        out.push(value);
    }
    Ok(out)
}

/// Converts VM values back, signed where the parameter's type (or the dialect) is.
pub fn to_python<'py>(
    py: Python<'py>,
    dialect: Dialect,
    params: &[ParamDef],
    values: &[Value],
) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for (p, v) in params.iter().zip(values) {
        let signed = is_signed(dialect, p.ty);
        match (p.ty, v) {
            (Type::Array(Elem::F64, _), Value::Array(a)) => {
                out.append(PyList::new(py, a.iter().map(|w| f64::from_bits(*w)))?)?;
                continue;
            }
            (Type::Array(Elem::C64, _), Value::Array(a)) => {
                let zs = a
                    .chunks_exact(2)
                    .map(|w| PyComplex::from_doubles(py, f64::from_bits(w[0]), f64::from_bits(w[1])));
                out.append(PyList::new(py, zs)?)?;
                continue;
            }
            _ => {}
        }
        match v {
            Value::Int(x) if signed => out.append(*x as i64)?,
            Value::Int(x) => out.append(*x)?,
            Value::Array(a) | Value::Stack(a) if signed => {
                out.append(PyList::new(py, a.iter().map(|x| *x as i64))?)?
            }
            Value::Array(a) | Value::Stack(a) => out.append(PyList::new(py, a)?)?,
        }
    }
    Ok(out)
}

fn word(py: Python<'_>, name: &str, v: &Bound<'_, PyAny>, signed: bool) -> PyResult<u64> {
    let r = if signed { v.extract::<i64>().map(|x| x as u64) } else { v.extract::<u64>() };
    r.map_err(|_| {
        let ty = if signed { "i64" } else { "u64" };
        errors::make(py, "ValueRangeError", &format!("{name}: {} does not fit in {ty}", show(v)), None)
    })
}

fn words(py: Python<'_>, name: &str, v: &Bound<'_, PyAny>, signed: bool) -> PyResult<Vec<u64>> {
    let list = v.cast::<PyList>().map_err(|_| not_a_list(py, name))?;
    list.iter().map(|x| word(py, name, &x, signed)).collect()
}

fn stack_words(py: Python<'_>, name: &str, v: &Bound<'_, PyAny>) -> PyResult<Vec<u64>> {
    let list = v.cast::<PyList>().map_err(|_| not_a_list(py, name))?;
    list.iter()
        .map(|x| match x.extract::<u64>() {
            Ok(w) => Ok(w),
            Err(_) => word(py, name, &x, true),
        })
        .collect()
}

/// A buffer element: a float (or int), or with `complex` also a complex number, as (re, im).
fn number(py: Python<'_>, name: &str, v: &Bound<'_, PyAny>, complex: bool) -> PyResult<(f64, f64)> {
    if complex && let Ok(z) = v.cast::<PyComplex>() {
        return Ok((z.real(), z.imag()));
    }
    v.extract::<f64>().map(|x| (x, 0.0)).map_err(|_| {
        let kind = if complex { "a complex number" } else { "a number" };
        errors::make(py, "ValueRangeError", &format!("{name}: {} is not {kind}", show(v)), None)
    })
}

fn not_numbers(py: Python<'_>, name: &str) -> PyErr {
    errors::make(py, "ValueRangeError", &format!("{name}: expected a list of numbers"), None)
}

fn not_a_list(py: Python<'_>, name: &str) -> PyErr {
    errors::make(py, "ValueRangeError", &format!("{name}: expected a list of integers"), None)
}

fn show(v: &Bound<'_, PyAny>) -> String {
    v.repr().map(|r| r.to_string()).unwrap_or_else(|_| "value".into())
}
