using System.Net;
using System.Net.Http.Json;
using ConnectorHost.Hosting;
using ConnectorHost.Status;

namespace ConnectorHost.Cli;

/// <summary>The operations, done by the running service: the CLI's client of the control endpoint.</summary>
internal sealed class ControlClient : IApplianceOperations, IDisposable
{
    private readonly HttpClient _http;

    private ControlClient(HttpClient http)
    {
        _http = http;
    }

    /// <summary>
    /// Connects to a running service, or returns null when none answers (no token file, nothing listening, or a
    /// token that is not the running service's).
    /// </summary>
    public static async Task<ControlClient?> TryConnectAsync(Uri controlUrl, string dataDirectory, CancellationToken cancellationToken)
    {
        var token = ControlToken.TryRead(dataDirectory);
        if (token is null)
        {
            return null;
        }

        var http = new HttpClient { BaseAddress = controlUrl, Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Add(ControlToken.HeaderName, token);
        try
        {
            using var ping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            ping.CancelAfter(TimeSpan.FromSeconds(5));
            using var response = await http.GetAsync(new Uri("v1/ping", UriKind.Relative), ping.Token);
            if (response.IsSuccessStatusCode)
            {
                return new ControlClient(http);
            }
        }
        catch (HttpRequestException)
        {
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        http.Dispose();
        return null;
    }

    public async Task<StatusReport> GetStatusAsync(CancellationToken cancellationToken) =>
        (await _http.GetFromJsonAsync<StatusReport>(new Uri("v1/status", UriKind.Relative), ControlJson.Options, cancellationToken))!;

    public Task<OperationResult<RunView>> SyncAsync(string connector, SyncOptions options, CancellationToken cancellationToken) =>
        SendAsync<RunView>(
            HttpMethod.Post,
            $"v1/connectors/{Uri.EscapeDataString(connector)}/sync?full={Lower(options.Full)}&dryRun={Lower(options.DryRun)}&allowMassDelete={Lower(options.AllowMassDelete)}",
            null,
            cancellationToken);

    public Task<OperationResult<CursorView>> GetCursorAsync(string connector, CancellationToken cancellationToken) =>
        SendAsync<CursorView>(HttpMethod.Get, $"v1/connectors/{Uri.EscapeDataString(connector)}/cursor", null, cancellationToken);

    public Task<OperationResult<CursorView>> ResetCursorAsync(string connector, CancellationToken cancellationToken) =>
        SendAsync<CursorView>(HttpMethod.Post, $"v1/connectors/{Uri.EscapeDataString(connector)}/cursor/reset", null, cancellationToken);

    public Task<OperationResult<CursorView>> SetCursorAsync(string connector, CursorChange change, CancellationToken cancellationToken) =>
        SendAsync<CursorView>(HttpMethod.Put, $"v1/connectors/{Uri.EscapeDataString(connector)}/cursor", change, cancellationToken);

    public Task<OperationResult<IReadOnlyList<DeadLetterView>>> ListDeadLettersAsync(string connector, CancellationToken cancellationToken) =>
        SendAsync<IReadOnlyList<DeadLetterView>>(HttpMethod.Get, $"v1/connectors/{Uri.EscapeDataString(connector)}/dead-letters", null, cancellationToken);

    public Task<OperationResult<DeadLetterRetryView>> RetryDeadLettersAsync(string connector, CancellationToken cancellationToken) =>
        SendAsync<DeadLetterRetryView>(HttpMethod.Post, $"v1/connectors/{Uri.EscapeDataString(connector)}/dead-letters/retry", null, cancellationToken);

    public Task<OperationResult<int>> PurgeDeadLettersAsync(string connector, CancellationToken cancellationToken) =>
        SendAsync<int>(HttpMethod.Delete, $"v1/connectors/{Uri.EscapeDataString(connector)}/dead-letters", null, cancellationToken);

    public void Dispose() => _http.Dispose();

    private async Task<OperationResult<T>> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: ControlJson.Options);
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return OperationResult<T>.Ok((await response.Content.ReadFromJsonAsync<T>(ControlJson.Options, cancellationToken))!);
        }

        var error = response.StatusCode == HttpStatusCode.Unauthorized
            ? new ControlError(OperationError.Invalid, "the running service refused the control token")
            : await response.Content.ReadFromJsonAsync<ControlError>(ControlJson.Options, cancellationToken);
        return OperationResult<T>.Fail(error?.Error ?? OperationError.Invalid, error?.Message ?? $"the service answered {(int)response.StatusCode}");
    }

    private static string Lower(bool value) => value ? "true" : "false";
}
