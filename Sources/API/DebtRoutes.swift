import Domain
import Foundation
import Hummingbird
import Repayments

/// A debt, its schedule and a user's debts (`read` scope), as the CLI's
/// `flexfin debt` reads them.
extension Endpoints {
    func addDebts(to router: Router<APIRequestContext>) {
        router.get("/v1/debts/:id") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            return await serve(request, .read) { _, connections in
                Reply(.ok, try Self.debt(id, connections).json(today: CalendarDay(Date())))
            }
        }

        router.get("/v1/debts/:id/schedule") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            return await serve(request, .read) { _, connections in
                let debt = try Self.debt(id, connections)
                do { return Reply(.ok, try AmortizationSchedule(debt, from: CalendarDay(Date())).json(of: debt)) } catch {
                    throw APIError(status: .conflict, code: "no_schedule", message: "debt \(id): \(error)")
                }
            }
        }

        router.get("/v1/users/:id/debts") { request, context -> Response in
            let user = context.parameters.get("id") ?? ""
            return await serve(request, .read) { _, connections in
                try APIError.checkId(user)
                let today = CalendarDay(Date())
                let debts = try DebtStore.find(nil, borrower: user, in: connections.database())
                return Reply(.ok, .object(["user_id": .string(user), "debts": .array(debts.map { $0.json(today: today) })]))
            }
        }
    }

    private static func debt(_ id: String, _ connections: ServicePool.Connections) throws -> Debt {
        try APIError.checkId(id)
        guard let debt = try DebtStore.find([id], in: connections.database()).first else {
            throw APIError(status: .notFound, code: "unknown_debt", message: "no debt with id \"\(id)\"")
        }
        return debt
    }
}
