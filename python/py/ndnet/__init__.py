"""ndnet from Python: scikit-learn estimators over the ndnet program's training and prediction.

    >>> from ndnet import NdnetRegressor
    >>> model = NdnetRegressor(epochs=50).fit(X, y)      # a data frame: text, missing cells, dates
    >>> model.predict(X_new); model.save("model.safetensors")

`NdnetRegressor` and `NdnetClassifier` take the `ndnet train` flags as parameters (`hidden`,
`members`, `lr`, …; see their docs) and read any table `ndnet train` reads. `save` writes the
weights file the program writes; `ndnet.load` reads one it wrote (`ndnet predict` reads the
other way). Estimators pickle (the model travels as the file's bytes), so joblib, `GridSearchCV`
and Dask's joblib backend work.
"""
from ._ndnet import __version__
from .sklearn import NdnetClassifier, NdnetRegressor, load

__all__ = ["NdnetClassifier", "NdnetRegressor", "load", "__version__"]
