from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union, overload

import numpy as np

__version__: str

class Error(ValueError): ...
class UndefinedMetricWarning(UserWarning): ...

_Tags = Sequence[Sequence[str]]
_Average = Optional[str]  # "micro" | "macro" | "weighted" | None
_ZeroDivision = Union[str, int]  # "warn" | 0 | 1
_Scheme = Any  # None, "IOB2" or seqeval.scheme.IOB2

def f1_score(y_true: _Tags, y_pred: _Tags, *, average: _Average = "micro", suffix: bool = False,
             mode: Optional[str] = None, sample_weight: Any = None,
             zero_division: _ZeroDivision = "warn", scheme: _Scheme = None) -> Union[float, np.ndarray]: ...
def precision_score(y_true: _Tags, y_pred: _Tags, *, average: _Average = "micro", suffix: bool = False,
                    mode: Optional[str] = None, sample_weight: Any = None,
                    zero_division: _ZeroDivision = "warn", scheme: _Scheme = None) -> Union[float, np.ndarray]: ...
def recall_score(y_true: _Tags, y_pred: _Tags, *, average: _Average = "micro", suffix: bool = False,
                 mode: Optional[str] = None, sample_weight: Any = None,
                 zero_division: _ZeroDivision = "warn", scheme: _Scheme = None) -> Union[float, np.ndarray]: ...
def accuracy_score(y_true: _Tags, y_pred: _Tags) -> float: ...
def classification_report(y_true: _Tags, y_pred: _Tags, *, digits: int = 2, suffix: bool = False,
                          output_dict: bool = False, mode: Optional[str] = None,
                          sample_weight: Any = None, zero_division: _ZeroDivision = "warn",
                          scheme: _Scheme = None) -> Union[str, Dict[str, Dict[str, float]]]: ...

_Entity = Dict[str, Any]  # entity or entity_group, score (np.float32), word, start, end[, index]

class Tagger:
    model: str
    def __init__(self, model: str, precision: str = "fp32", device: str = "cpu", *,
                 decoding: str = "auto", context: Optional[int] = None,
                 threads: Optional[int] = None, batch_size: int = 32) -> None: ...
    @property
    def labels(self) -> List[str]: ...
    @property
    def precision(self) -> str: ...
    @property
    def notes(self) -> List[str]: ...
    @overload
    def __call__(self, inputs: str, aggregation_strategy: str = "simple") -> List[_Entity]: ...
    @overload
    def __call__(self, inputs: Sequence[str], aggregation_strategy: str = "simple") -> List[List[_Entity]]: ...

def load_dataset(path: str, split: Optional[str] = None, *, tokens_column: Optional[str] = None,
                 tags_column: Optional[str] = None,
                 label_names: Optional[Sequence[str]] = None) -> Dict[str, Any]: ...

def finetune(model: str, *, out: str, progress: Optional[Callable[[Dict[str, Any]], None]] = None,
             **options: Any) -> Dict[str, Any]: ...
def distill(teacher: Union[str, Sequence[str]], *, out: str,
            progress: Optional[Callable[[Dict[str, Any]], None]] = None,
            **options: Any) -> Dict[str, Any]: ...
