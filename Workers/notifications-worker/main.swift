import Notifications
import WorkerRuntime

WorkerProcess.run(NotificationHandler())
