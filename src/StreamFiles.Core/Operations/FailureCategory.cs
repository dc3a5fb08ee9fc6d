namespace StreamFiles.Core.Operations
{
    /// <summary>
    /// Why an item failed. Every name is also a member of PowerShell's ErrorCategory (a contract test
    /// checks it), so the cmdlets translate by name and Core stays free of PowerShell.
    /// </summary>
    public enum FailureCategory
    {
        NotSpecified,
        ObjectNotFound,
        InvalidArgument,
        InvalidData,
        InvalidOperation,
        PermissionDenied,
        ReadError,
        WriteError,
        ResourceExists,
        ResourceUnavailable,
        ConnectionError,
        AuthenticationError,
        SecurityError,
        OperationStopped,
        OperationTimeout,
        LimitsExceeded,
        QuotaExceeded,
        ProtocolError,
        NotImplemented,
        DeviceError,
    }
}
