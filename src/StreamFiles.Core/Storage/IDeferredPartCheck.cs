namespace StreamFiles.Core.Storage
{
    /// <summary>
    /// A reader that checks each part of its object by MD5 (the S3 ETag) and can leave the hashing to the engine. The
    /// engine hands a download's parts back once they are in the partial file, reading them from there with as many
    /// parts side by side as the multi-lane MD5 kernel takes: the ranges of a download arrive unevenly, so hashed as
    /// they stream through they fill few of its lanes, and the check then costs several times the CPU.
    /// </summary>
    internal interface IDeferredPartCheck
    {
        /// <summary>
        /// Stops hashing parts as their bytes go by and returns the size of the object's parts (the last one may be
        /// shorter); from then on PartMd5 must be called for every part. Null when the reader has no MD5 check to hand
        /// over (a checksum the store keeps is checked in flight, as it costs little), or when one range of
        /// <paramref name="rangeSize"/> bytes covers the object's only part (checked in flight, on one lane either way).
        /// Call before the first range opens.
        /// </summary>
        long? HandOverPartMd5s(long rangeSize);

        /// <summary>
        /// The MD5 of the object's part <paramref name="index"/> (from 0) as written. The call that completes the set
        /// compares the ETag they make with the store's, and throws VerifyFailedException when they differ.
        /// </summary>
        void PartMd5(int index, byte[] md5);
    }
}
