import Repayments
import WorkerRuntime

WorkerProcess.run(RepaymentHandler())
