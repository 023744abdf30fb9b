import ArgumentParser
import Foundation
import Settings
import Topology

/// Where the topology file is, shared by every command that needs it.
struct TopologyFileOption: ParsableArguments {
    @Option(name: .customLong("topology"), help: "The topology file (default: queues/topology.json here or above, or FLEXFIN_TOPOLOGY).")
    var path: String?

    private func file() throws -> URL { try path.map { URL(fileURLWithPath: $0) } ?? TopologySpec.locate() }

    func spec() throws -> TopologySpec { try TopologySpec.load(from: file()) }

    /// The checkout the topology file is in (`queues/topology.json` two levels down).
    func repository() throws -> URL { try file().deletingLastPathComponent().deletingLastPathComponent() }

    func plan() throws -> BrokerPlan { BrokerPlan(try spec()) }
}

struct TopologyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology", abstract: "Declare or check the broker topology of queues/.",
        subcommands: [Apply.self, Check.self])

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Declare every exchange, queue and binding (idempotent); remove bindings the topology no longer has.")
        @OptionGroup var file: TopologyFileOption

        func run() throws {
            let plan = try file.plan()
            let settings = try ServiceSettings.fromEnvironment()
            let removed = try TopologyDeclarer(plan: plan).apply(on: settings.connectBroker(), management: settings.managementAPI)
            for binding in removed {
                print("removed binding \(binding.exchange) -> \(binding.queue) [\(binding.routingKey)]: not in the topology")
            }
            print("topology applied: \(plan.exchanges.count) exchanges, \(plan.queues.count) queues, \(plan.bindings.count) bindings")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare the broker with the topology; exit 1 and name each difference.")
        @OptionGroup var file: TopologyFileOption

        func run() throws {
            let plan = try file.plan()
            let settings = try ServiceSettings.fromEnvironment()
            let broker = try settings.connectBroker()
            var management = settings.managementAPI
            if let api = management, (try? api.queues()) == nil {
                print("note: management API unreachable; bindings are not compared")
                management = nil
            }
            let differences = try TopologyDeclarer(plan: plan).differences(on: broker, management: management)
            guard differences.isEmpty else {
                for difference in differences { print("DIFFERS: \(difference)") }
                print("topology check failed: \(differences.count) difference(s); `flexfin topology apply` declares what is missing")
                throw ExitCode.failure
            }
            print(
                "topology matches: \(plan.exchanges.count) exchanges, \(plan.queues.count) queues"
                    + (management == nil ? "" : ", \(plan.bindings.count) bindings"))
            if let management { try printCluster(management, workQueues: try file.spec().queues.map(\.name)) }
        }
    }
}

/// The cluster as the management API sees it: each node, and where each
/// work queue's members and leader are.
private func printCluster(_ management: ManagementAPI, workQueues: [String]) throws {
    let nodes = try management.clusterNodes()
    print("cluster: \(nodes.count) node(s): " + nodes.map { "\($0.name) \($0.running ? "running" : "DOWN")" }.joined(separator: ", "))
    let definitions = try management.queueDefinitions()
    for queue in workQueues {
        guard let found = definitions[queue] else { continue }
        print("  \(queue): leader \(found.leader ?? "none"), members \(found.members.count)")
    }
}
