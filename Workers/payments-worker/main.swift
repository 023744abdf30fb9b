import Payments
import WorkerRuntime

WorkerProcess.run(PaymentHandler())
