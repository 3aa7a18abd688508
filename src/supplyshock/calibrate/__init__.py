"""Calibration with a train/test split: fit declared parameters of a scenario to the train
months of observed series, store the fit beside the scenario, and report train and test
errors separately.

>>> from supplyshock import calibrate
>>> spec, scn = calibrate.load_spec("april_2025")
>>> fit = calibrate.load_fit(calibrate.fitted_path(spec))
>>> sorted(fit.values) == sorted(spec.parameters)
True
"""

from supplyshock.calibrate.fit import Evaluation, Fit, calibrate, fitted_path, load_fit, msre
from supplyshock.calibrate.report import Comparison, compare
from supplyshock.calibrate.spec import CalibrationSpec, load_spec
from supplyshock.errors import CalibrationError

__all__ = [
    "CalibrationError",
    "CalibrationSpec",
    "Comparison",
    "Evaluation",
    "Fit",
    "calibrate",
    "compare",
    "fitted_path",
    "load_fit",
    "load_spec",
    "msre",
]
