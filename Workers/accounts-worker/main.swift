import Accounts
import WorkerRuntime

WorkerProcess.run(AccountHandler())
