import Audit
import WorkerRuntime

WorkerProcess.run(AuditHandler())
