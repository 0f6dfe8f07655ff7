# Hand-written typed interface of the public redoxa API.

import os
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    TextIO,
    Tuple,
    Union,
)

from .errors import (
    BackendError as BackendError,
)
from .errors import (
    CompileError as CompileError,
)
from .errors import (
    Diagnostic as Diagnostic,
)
from .errors import (
    LoadError as LoadError,
)
from .errors import (
    RdxError as RdxError,
)
from .errors import (
    ReversibilityError as ReversibilityError,
)
from .errors import (
    RoundTripError as RoundTripError,
)
from .errors import (
    RunError as RunError,
)
from .errors import (
    ValueRangeError as ValueRangeError,
)

_Value = Union[int, List[int]]
_Path = Union[str, "os.PathLike[str]"]

# ---- types ------------------------------------------------------------------------------------

class Type:
    rdx: str
    def zero(self) -> _Value: ...
    def check(self, name: str, value: Any) -> _Value: ...

class Scalar(Type):
    lo: int
    hi: int
    @property
    def signed(self) -> bool: ...
    def zero(self) -> int: ...
    def check(self, name: str, value: Any) -> int: ...

class Array(Type):
    elem: Scalar
    length: int
    def zero(self) -> List[int]: ...
    def check(self, name: str, value: Any) -> List[int]: ...

class Stack(Type):
    def zero(self) -> List[int]: ...
    def check(self, name: str, value: Any) -> List[int]: ...

u64: Scalar
i64: Scalar
stack: Stack

def array(elem: Scalar, length: int) -> Array: ...

# ---- genes ------------------------------------------------------------------------------------

SPELLINGS: Sequence[Tuple[str, str]]

class Translation:
    source: str
    origins: List[Tuple[str, int]]
    entry: str
    params: List[Tuple[str, Type]]
    genes: Dict[str, "Gene"]
    def origin(self, line: int) -> Optional[Tuple[str, int]]: ...

class Gene:
    fn: Callable[..., Any]
    __name__: str
    __qualname__: str
    __wrapped__: Callable[..., Any]
    def translate(self) -> Translation: ...
    @property
    def source(self) -> str: ...
    def compile(self, backend: str = ..., strict: bool = ...) -> "Program": ...
    def __call__(self, *args: _Value, **values: _Value) -> Dict[str, _Value]: ...

def gene(fn: Callable[..., Any]) -> Gene: ...

# ---- programs ---------------------------------------------------------------------------------

class Invariant:
    id: str
    name: str
    status: str
    evidence: str
    @property
    def ok(self) -> bool: ...

class CheckReport:
    rows: List[Invariant]
    text: str
    @property
    def ok(self) -> bool: ...
    def __getitem__(self, key: str) -> Invariant: ...
    def __iter__(self) -> Iterator[Invariant]: ...
    def __len__(self) -> int: ...

class Program:
    entry: str
    backend: str
    params: List[Tuple[str, Type]]
    @property
    def source(self) -> Optional[str]: ...
    @property
    def cid(self) -> str: ...
    @property
    def genes(self) -> List[str]: ...
    @property
    def dialect(self) -> str: ...
    def disasm(self) -> str: ...
    def to_bytes(self) -> bytes: ...
    def save(self, path: _Path) -> str: ...
    def check(self, strict: Optional[bool] = ...) -> CheckReport: ...
    @property
    def last_run(self) -> Dict[str, int]: ...
    @property
    def history_words(self) -> int: ...
    def clear_history(self) -> None: ...
    def run(self, **values: Any) -> Dict[str, _Value]: ...
    def reverse(self, **values: Any) -> Dict[str, _Value]: ...
    def values_list(self, values: Dict[str, Any]) -> List[_Value]: ...

def assemble(
    text: str,
    *,
    entry: Optional[str] = ...,
    backend: str = ...,
    strict: bool = ...,
    file: str = ...,
    janus: bool = ...,
) -> Program: ...
def load(path: _Path, *, entry: Optional[str] = ..., backend: str = ...) -> Program: ...
def backends() -> List[str]: ...
def experiment(
    program: Union[Program, Gene],
    inputs: Iterable[Mapping[str, Any]],
    backends: Optional[Sequence[str]] = ...,
    *,
    repeat: int = ...,
    strict: bool = ...,
    progress: Optional[TextIO] = ...,
    dataframe: Optional[bool] = ...,
) -> Any: ...

# ---- statements inside a gene (translated, never executed) -----------------------------------

def rotl(x: Any, amount: Any) -> Any: ...
def rotr(x: Any, amount: Any) -> Any: ...
def fi(assertion: Any) -> None: ...
def loop(entry: Any = ..., until: Any = ...) -> Iterator[None]: ...
def again() -> None: ...
def local(ty: Type, init: Any) -> Any: ...
def delocal(var: Any, value: Any) -> None: ...
def uncall(gene: Gene, *args: Any) -> None: ...
def push(x: Any, s: Any) -> None: ...
def pop(x: Any, s: Any) -> None: ...
def swap(a: Any, b: Any) -> None: ...
def assign(target: Any, value: Any) -> None: ...
def erase(target: Any) -> None: ...
def empty(s: Any) -> Any: ...
def top(s: Any) -> Any: ...
def size(x: Any) -> Any: ...
