using ConnectorHost.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ConnectorHost.Status;

/// <summary>
/// The running service's loopback control endpoint: status and the operator verbs, for the CLI. Every request needs
/// the control token from the data folder.
/// </summary>
internal static class ControlEndpoint
{
    public static void MapControlEndpoint(this IEndpointRouteBuilder app, string token)
    {
        var v1 = app.MapGroup("/v1");
        v1.AddEndpointFilter(async (context, next) =>
            ControlToken.Matches(token, context.HttpContext.Request.Headers[ControlToken.HeaderName])
                ? await next(context)
                : Results.Json(new { error = "missing or wrong control token" }, ControlJson.Options, statusCode: StatusCodes.Status401Unauthorized));

        v1.MapGet("/ping", () => Results.Json(new { service = "connector-host", version = HostInfo.ProductVersion }, ControlJson.Options));

        v1.MapGet("/status", async (IApplianceOperations ops, CancellationToken ct) =>
            Results.Json(await ops.GetStatusAsync(ct), ControlJson.Options));

        var connector = v1.MapGroup("/connectors/{name}");
        connector.MapPost("/sync", async (string name, bool? full, bool? dryRun, bool? allowMassDelete, IApplianceOperations ops, CancellationToken ct) =>
            ToResult(await ops.SyncAsync(name, new SyncOptions(full ?? false, dryRun ?? false, allowMassDelete ?? false), ct)));
        connector.MapGet("/cursor", async (string name, IApplianceOperations ops, CancellationToken ct) =>
            ToResult(await ops.GetCursorAsync(name, ct)));
        connector.MapPost("/cursor/reset", async (string name, IApplianceOperations ops, CancellationToken ct) =>
            ToResult(await ops.ResetCursorAsync(name, ct)));
        connector.MapPut("/cursor", async (string name, CursorChange change, IApplianceOperations ops, CancellationToken ct) =>
            ToResult(await ops.SetCursorAsync(name, change, ct)));
        connector.MapGet("/dead-letters", async (string name, IApplianceOperations ops, CancellationToken ct) =>
            ToResult(await ops.ListDeadLettersAsync(name, ct)));
        connector.MapPost("/dead-letters/retry", async (string name, IApplianceOperations ops, CancellationToken ct) =>
            ToResult(await ops.RetryDeadLettersAsync(name, ct)));
        connector.MapDelete("/dead-letters", async (string name, IApplianceOperations ops, CancellationToken ct) =>
            ToResult(await ops.PurgeDeadLettersAsync(name, ct)));
    }

    private static IResult ToResult<T>(OperationResult<T> result) =>
        result.IsSuccess
            ? Results.Json(result.Value, ControlJson.Options)
            : Results.Json(
                new ControlError(result.Error, result.Message),
                ControlJson.Options,
                statusCode: result.Error switch
                {
                    OperationError.NotFound => StatusCodes.Status404NotFound,
                    OperationError.Busy or OperationError.Disabled => StatusCodes.Status409Conflict,
                    OperationError.Unavailable => StatusCodes.Status503ServiceUnavailable,
                    _ => StatusCodes.Status400BadRequest,
                });
}

/// <summary>The body of a control endpoint error.</summary>
internal sealed record ControlError(OperationError Error, string? Message);
