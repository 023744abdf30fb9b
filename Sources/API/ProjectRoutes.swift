import Domain
import Hummingbird
import Milestones

/// A project and a user's projects (`read` scope), as `flexfin project show` reads them.
extension Endpoints {
    func addProjects(to router: Router<APIRequestContext>) {
        router.get("/v1/projects/:id") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            return await serve(request, .read) { _, connections in
                try APIError.checkId(id)
                guard let project = try ProjectView.load(id, in: connections.database()) else {
                    throw APIError(status: .notFound, code: "unknown_project", message: "no project with id \"\(id)\"")
                }
                return Reply(.ok, project.json)
            }
        }

        router.get("/v1/users/:id/projects") { request, context -> Response in
            let user = context.parameters.get("id") ?? ""
            return await serve(request, .read) { _, connections in
                try APIError.checkId(user)
                let database = try connections.database()
                let projects = try ProjectView.ids(ofUser: user, in: database).compactMap { try ProjectView.load($0, in: database) }
                return Reply(.ok, .object(["user_id": .string(user), "projects": .array(projects.map(\.json))]))
            }
        }
    }
}
