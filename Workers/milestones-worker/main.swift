import Milestones
import WorkerRuntime

WorkerProcess.run(MilestoneHandler())
