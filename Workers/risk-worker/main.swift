import Risk
import WorkerRuntime

WorkerProcess.run(RiskHandler())
