namespace StreamFiles.Core.Operations
{
    /// <summary>
    /// A host sink that can tell a "no" from ShouldProcess given by -WhatIf (nothing is done, but the user wants to
    /// see everything that would be) from one the user gave (-Confirm: what depends on it is passed over too).
    /// </summary>
    public interface IShouldProcessReason
    {
        /// <summary>True when the last ShouldProcess answered false because of -WhatIf.</summary>
        bool LastAnswerWasWhatIf { get; }
    }
}
