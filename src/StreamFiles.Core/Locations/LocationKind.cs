namespace StreamFiles.Core.Locations
{
    /// <summary>Which storage a location belongs to; each kind is served by one backend.</summary>
    public enum LocationKind
    {
        FileSystem,
        S3,
        Http,
    }
}
