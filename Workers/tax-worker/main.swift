import Tax
import WorkerRuntime

WorkerProcess.run(TaxHandler())
