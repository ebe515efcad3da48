namespace ConnectorHost.Abstractions;

/// <summary>
/// A run's own enumeration of the whole source, reported as the run goes (see <see cref="ReadRequest.Listing"/>): for
/// <see cref="IFullListing"/> connectors whose every run visits every item anyway, such as a folder walk.
/// </summary>
/// <remarks>
/// <para>
/// Report every native id that <see cref="IFullListing.ListNativeIdsAsync"/> would list, including items the run
/// finds unchanged or skips, then call <see cref="Complete"/> once the enumeration has visited the whole source.
/// The host then prunes every delivered item that was not reported, exactly as if the listing had left it out, and
/// does not call <see cref="IFullListing.ListNativeIdsAsync"/>.
/// </para>
/// <para>
/// The same rule as for listings holds: a missing id means "deleted". If any part of the source could not be
/// enumerated (a folder that could not be read), do not call <see cref="Complete"/>: the host then asks for the
/// listing, which throws rather than return a partial one. Thread-safe; cheap enough to call for every item.
/// </para>
/// </remarks>
public interface IRunListing
{
    /// <summary>Reports one item of the run's enumeration.</summary>
    /// <param name="nativeId">The item's native id.</param>
    void Add(string nativeId);

    /// <summary>Says that the enumeration reported so far covers the whole source.</summary>
    void Complete();
}
