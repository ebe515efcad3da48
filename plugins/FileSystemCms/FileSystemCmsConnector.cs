using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ConnectorHost.Plugins.FileSystemCms.Documents;
using ConnectorHost.Plugins.FileSystemCms.Walking;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Plugins.FileSystemCms;

/// <summary>
/// Syncs a content folder: walks it on every run, reads only the files whose size or modification time changed since
/// the host recorded them, and reports every file it walked as the run's listing for pruning (or lists them again
/// when a folder could not be read), so that deleted and renamed files are forgotten.
/// </summary>
internal sealed partial class FileSystemCmsConnector : IConnector, IFullListing, IConnectionCheck
{
    /// <summary>How many files the walk visits between two checkpoints.</summary>
    internal const int CheckpointEvery = 500;

    private const string VanishedReason = "the file disappeared before it could be read";

    private readonly FileSystemCmsOptions _options;
    private readonly IFileContentReader _reader;
    private readonly TimeProvider _time;
    private readonly ILogger<FileSystemCmsConnector> _logger;
    private readonly FileTreeWalker _walker;
    private readonly string _settingsTag;

    public FileSystemCmsConnector(
        FileSystemCmsOptions options, IFileContentReader reader, TimeProvider time, ILogger<FileSystemCmsConnector> logger)
    {
        _options = options;
        _reader = reader;
        _time = time;
        _logger = logger;
        _walker = new FileTreeWalker(Path.GetFullPath(options.Root), options, logger);
        _settingsTag = SettingsTag(options);
    }

    /// <inheritdoc />
    public TimeSpan PruneInterval => TimeSpan.Zero;

    /// <inheritdoc />
    public async IAsyncEnumerable<SourceChange> ReadChangesAsync(
        ReadRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var startedAt = _time.GetUtcNow();
        var started = _time.GetTimestamp();
        var converter = new DocumentConverter(_options);
        var counts = new RunCounts();
        var coverage = new WalkCoverage();
        foreach (var file in _walker.Walk(coverage, cancellationToken))
        {
            counts.Files++;
            var change = await ReadAsync(file, request, converter, counts, cancellationToken);
            if (change is not Skip { Reason: VanishedReason })
            {
                // The run's listing leaves out a file that vanished before its read, as a second walk would.
                request.Listing?.Add(file.RelativePath);
            }

            if (change is not null)
            {
                yield return change;
            }

            if (counts.Files % CheckpointEvery == 0)
            {
                yield return Checkpoint(startedAt, counts.Files);
            }
        }

        if (coverage.Complete)
        {
            // The walk is the listing: the host prunes against it instead of walking the tree again.
            request.Listing?.Complete();
        }

        if (counts.Files == 0 || counts.Files % CheckpointEvery != 0)
        {
            yield return Checkpoint(startedAt, counts.Files);
        }

        LogRunSummary(_walker.Root, counts.Files, counts.Read, counts.Unchanged, counts.Skipped, _time.GetElapsedTime(started));
    }

    /// <inheritdoc />
    public IAsyncEnumerable<string> ListNativeIdsAsync(CancellationToken cancellationToken) =>
        _walker.ListRelativePaths(cancellationToken).ToAsyncEnumerable();

    /// <inheritdoc />
    public Task CheckConnectionAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _walker.EnsureRootReadable();
        return Task.CompletedTask;
    }

    private async ValueTask<SourceChange?> ReadAsync(
        WalkedFile file, ReadRequest request, DocumentConverter converter, RunCounts counts, CancellationToken cancellationToken)
    {
        var fingerprint = file.Stat + ":" + _settingsTag;
        if (!request.IsFullSync
            && await request.KnownItems.HasFingerprintAsync(file.RelativePath, fingerprint, cancellationToken))
        {
            counts.Unchanged++;
            return null;
        }

        if (file.Length > _options.MaxFileSizeBytes)
        {
            return Skip(file, counts, TooLarge(file.Length), fingerprint);
        }

        if (file.Length == 0)
        {
            // Also keeps the walk away from pipes and devices that report no size and would block a read.
            return Skip(file, counts, "empty file", fingerprint);
        }

        ReadOnlyMemory<byte>? content;
        try
        {
            counts.Read++;
            content = await _reader.ReadAsync(file.FullPath, _options.MaxFileSizeBytes, cancellationToken);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            LogFileVanished(file.RelativePath);
            return Skip(file, counts, VanishedReason, fingerprint: null);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // No fingerprint: the next run tries again, even if the file's size and time stay the same.
            LogFileUnreadable(exception, file.RelativePath);
            return Skip(file, counts, $"the file could not be read: {exception.Message}", fingerprint: null);
        }

        if (content is not { } bytes)
        {
            return Skip(file, counts, $"larger than maxFileSizeBytes (it grew past {FormatSize(_options.MaxFileSizeBytes)} while being read)", fingerprint);
        }

        CmsDocument? document;
        string? reason;
        try
        {
            converter.TryConvert(file.RelativePath, bytes.Span, out document, out reason);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // A parser bug on one odd file must not fail every run from now on: skip it, loudly. The fingerprint
            // keeps it skipped until the file changes or the conversion rules do (see DocumentConverter.Revision).
            LogConversionFailed(exception, file.RelativePath);
            return Skip(file, counts, $"could not be converted ({exception.GetType().Name}: {exception.Message})", fingerprint);
        }

        if (document is null)
        {
            return Skip(file, counts, reason ?? "could not be converted", fingerprint);
        }

        var metadata = new Dictionary<string, object?>(document.Fields, StringComparer.Ordinal)
        {
            ["path"] = file.RelativePath,
            ["title"] = document.Title,
            ["tags"] = document.Tags,
            ["last_modified"] = file.LastWriteTimeUtc.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        };

        return new Upsert(new SourceItem
        {
            NativeId = file.RelativePath,
            Version = Convert.ToHexStringLower(SHA256.HashData(bytes.Span)),
            Title = document.Title,
            Text = document.Text,
            Source = "filesystem-cms",
            EventType = "cms_document",
            Url = new Uri(file.FullPath),
            LastModified = file.LastWriteTimeUtc,
            Tags = document.Tags,
            Metadata = metadata,
            Fingerprint = fingerprint,
        });
    }

    private Skip Skip(WalkedFile file, RunCounts counts, string reason, string? fingerprint)
    {
        counts.Skipped++;
        LogFileSkipped(file.RelativePath, reason);
        return new Skip(file.RelativePath, reason, fingerprint);
    }

    private string TooLarge(long length) =>
        $"larger than maxFileSizeBytes ({FormatSize(length)} > {FormatSize(_options.MaxFileSizeBytes)})";

    private static string FormatSize(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MB"),
    };

    private static Checkpoint Checkpoint(DateTimeOffset startedAt, long files) =>
        new(JsonSerializer.Serialize(new CursorState(startedAt, files), CursorJson.Default.CursorState), startedAt);

    // Settings that change what a file converts to are part of the fingerprint: changing them (or upgrading the
    // conversion) makes every file read again, so that e.g. turning on includeDrafts delivers the drafts skipped before.
    private static string SettingsTag(FileSystemCmsOptions options)
    {
        var settings = string.Join(
            '\n',
            DocumentConverter.Revision.ToString(CultureInfo.InvariantCulture),
            options.IncludeDrafts ? "drafts" : "no-drafts",
            options.MaxFileSizeBytes.ToString(CultureInfo.InvariantCulture),
            options.TitleKey,
            string.Join(',', (IEnumerable<string>?)options.TagKeys ?? FileSystemCmsOptions.DefaultTagKeys),
            options.MetadataKeys is null ? "*" : string.Join(',', options.MetadataKeys));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(settings)))[..8];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Skipped {Path}: {Reason}")]
    private partial void LogFileSkipped(string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The file {Path} disappeared between the walk and its read")]
    private partial void LogFileVanished(string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The file {Path} could not be read; the next run tries again")]
    private partial void LogFileUnreadable(Exception exception, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "The file {Path} could not be converted to text; it is skipped until it changes")]
    private partial void LogConversionFailed(Exception exception, string path);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Walked {Root}: {Files} files, {Read} read, {Unchanged} unchanged (not read), {Skipped} skipped, in {Elapsed}")]
    private partial void LogRunSummary(string root, long files, long read, long unchanged, long skipped, TimeSpan elapsed);

    private sealed class RunCounts
    {
        public long Files { get; set; }

        public long Read { get; set; }

        public long Unchanged { get; set; }

        public long Skipped { get; set; }
    }
}
