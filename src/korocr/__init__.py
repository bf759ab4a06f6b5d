"""korocr: Korean-first OCR that runs offline on a CPU.

    >>> import korocr
    >>> page = korocr.Reader().read("sign.jpg")   # doctest: +SKIP
    >>> print(page.text)                           # doctest: +SKIP
"""

from .io.elements import Line, Page
from .io.image import ImageLoadError, load_image
from .reader import Reader, read

__version__ = "0.1.0"
__all__ = ["ImageLoadError", "Line", "Page", "Reader", "__version__", "load_image", "read"]
