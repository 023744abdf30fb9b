import API
import ArgumentParser

let options: APIOptions
do { options = try APIOptions.parse(Array(CommandLine.arguments.dropFirst())) } catch { APIOptions.exit(withError: error) }
try await APIServer.run(options)
