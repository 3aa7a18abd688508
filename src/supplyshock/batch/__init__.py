"""Monte Carlo: experiment designs, chunked batch runs on any executor, and their results."""

from supplyshock.batch.memory import keep_freed_memory
from supplyshock.batch.result import BatchResult
from supplyshock.batch.runner import BatchError, run_batch
from supplyshock.batch.sampling import design, uncertain_parameters

__all__ = [
    "BatchError",
    "BatchResult",
    "design",
    "keep_freed_memory",
    "run_batch",
    "uncertain_parameters",
]
