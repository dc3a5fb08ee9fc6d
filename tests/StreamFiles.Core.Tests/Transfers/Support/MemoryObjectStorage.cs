using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using StreamFiles.Core.Locations;
using StreamFiles.Core.Storage;

namespace StreamFiles.Core.Tests.Transfers.Support
{
    /// <summary>
    /// An in-memory object store shaped like S3 — multipart uploads with part ETags and an upload id that a
    /// rerun can continue, ranged reads, prefix listing — registered for s3:// locations. It proves the part
    /// uploader seam before the real S3 backend exists.
    /// </summary>
    public sealed class MemoryObjectStorage : IReadableStorage, IWritableStorage, IListableStorage
    {
        private readonly ConcurrentDictionary<string, StoredObject> _objects = new ConcurrentDictionary<string, StoredObject>();
        private int _nextUpload;

        public ConcurrentDictionary<string, ConcurrentDictionary<int, byte[]>> Uploads { get; } = new ConcurrentDictionary<string, ConcurrentDictionary<int, byte[]>>();

        public string Name => "memory-s3";

        public PartLimits PartLimits { get; set; } = new PartLimits(64 * 1024, 5L * 1024 * 1024 * 1024, 10_000);

        /// <summary>UploadPart calls that fail with a transient error before uploads succeed again.</summary>
        public int TransientUploadFailures;

        /// <summary>Part numbers whose upload fails permanently.</summary>
        public HashSet<int> FailingParts { get; } = new HashSet<int>();

        public int UploadCalls;

        public bool IsTransient(Exception exception) => exception is TransientTestException;

        public byte[] Get(string bucket, string key) => _objects[bucket + "/" + key].Data;

        public bool Exists(string bucket, string key) => _objects.ContainsKey(bucket + "/" + key);

        public void Put(string bucket, string key, byte[] data) =>
            _objects[bucket + "/" + key] = new StoredObject(data, DateTimeOffset.UtcNow, Md5(data));

        public Task<ObjectInfo?> StatAsync(Location location, CancellationToken cancellationToken)
        {
            var s3 = (S3Location)location;
            if (s3.IsContainer)
            {
                bool any = _objects.Keys.Any(k => k.StartsWith(s3.Bucket + "/" + s3.Key, StringComparison.Ordinal));
                return Task.FromResult(any ? new ObjectInfo(location, null, null, isContainer: true) : null);
            }

            return Task.FromResult(_objects.TryGetValue(s3.Bucket + "/" + s3.Key, out StoredObject? o)
                ? new ObjectInfo(location, o.Data.Length, o.LastModified, o.ETag)
                : null);
        }

        public Task<IObjectReader> OpenReadAsync(ObjectInfo source, CancellationToken cancellationToken)
        {
            var s3 = (S3Location)source.Location;
            StoredObject stored = _objects[s3.Bucket + "/" + s3.Key];
            return Task.FromResult<IObjectReader>(new Reader(stored.Data));
        }

        public Task<IObjectWriter> OpenWriterAsync(WriteRequest request, CancellationToken cancellationToken)
        {
            string id = request.Resume && request.ResumeToken != null && Uploads.ContainsKey(request.ResumeToken)
                ? request.ResumeToken
                : "upload-" + Interlocked.Increment(ref _nextUpload);
            Uploads.TryAdd(id, new ConcurrentDictionary<int, byte[]>());
            return Task.FromResult<IObjectWriter>(new Writer(this, (S3Location)request.Destination, request, id));
        }

        public IAsyncEnumerable<ListedObject> ListAsync(Location container, bool recurse, CancellationToken cancellationToken)
        {
            var s3 = (S3Location)container;
            string prefix = s3.Bucket + "/" + s3.Key;
            return ToAsync(_objects.Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(o => o.Key, StringComparer.Ordinal).Select(o =>
            {
                string key = o.Key.Substring(s3.Bucket.Length + 1);
                var location = new S3Location(s3.Bucket, key);
                return new ListedObject(new ObjectInfo(location, o.Value.Data.Length, o.Value.LastModified, o.Value.ETag), key.Substring(s3.Key.Length));
            }).ToList());
        }

        private static async IAsyncEnumerable<ListedObject> ToAsync(IEnumerable<ListedObject> items)
        {
            foreach (ListedObject item in items)
            {
                await Task.Yield();
                yield return item;
            }
        }

        private static string Md5(byte[] data) => Convert.ToHexString(MD5.HashData(data));

        private sealed record StoredObject(byte[] Data, DateTimeOffset LastModified, string ETag);

        private sealed class Reader : IObjectReader
        {
            private readonly byte[] _data;

            public Reader(byte[] data) => _data = data;

            public bool SupportsRanges => true;

            public Task<Stream> OpenRangeAsync(long offset, long? length, CancellationToken cancellationToken)
            {
                int start = (int)Math.Min(offset, _data.Length);
                int count = (int)Math.Min(length ?? long.MaxValue, _data.Length - start);
                return Task.FromResult<Stream>(new MemoryStream(_data, start, count, writable: false));
            }

            public void Dispose()
            {
            }
        }

        private sealed class Writer : IObjectWriter, IPartUploader
        {
            private readonly MemoryObjectStorage _store;
            private readonly S3Location _destination;
            private readonly WriteRequest _request;

            public Writer(MemoryObjectStorage store, S3Location destination, WriteRequest request, string uploadId)
            {
                _store = store;
                _destination = destination;
                _request = request;
                ResumeToken = uploadId;
            }

            public string? ResumeToken { get; }

            public Task<IReadOnlyList<PartReceipt>> ConfirmPartsAsync(IReadOnlyList<PartReceipt> journaled, CancellationToken cancellationToken)
            {
                ConcurrentDictionary<int, byte[]> parts = _store.Uploads[ResumeToken!];
                return Task.FromResult<IReadOnlyList<PartReceipt>>(journaled.Where(p => parts.TryGetValue(p.Number, out byte[]? data) && Md5(data) == p.Tag).ToList());
            }

            public async Task<PartReceipt> UploadPartAsync(PartContent content, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref _store.UploadCalls);
                using Stream stream = await content.OpenAsync(cancellationToken);
                var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, 64 * 1024, cancellationToken);
                if (Interlocked.Decrement(ref _store.TransientUploadFailures) >= 0)
                {
                    throw new TransientTestException();
                }

                if (_store.FailingParts.Contains(content.Part.Number))
                {
                    throw new IOException("injected upload failure");
                }

                byte[] data = buffer.ToArray();
                _store.Uploads[ResumeToken!][content.Part.Number] = data;
                return new PartReceipt(content.Part.Number, content.Part.Offset, data.Length, null, Md5(data));
            }

            public Task CommitAsync(IReadOnlyList<PartReceipt> parts, CancellationToken cancellationToken)
            {
                ConcurrentDictionary<int, byte[]> stored = _store.Uploads[ResumeToken!];
                byte[] whole = parts.OrderBy(p => p.Number).SelectMany(p => stored[p.Number]).ToArray();
                string key = _destination.Bucket + "/" + _destination.Key;
                if (!_request.Overwrite && _store._objects.ContainsKey(key))
                {
                    throw new DestinationExistsException(_destination.Display);
                }

                _store._objects[key] = new StoredObject(whole, _request.Source.LastModified ?? DateTimeOffset.UtcNow, Md5(whole));
                _store.Uploads.TryRemove(ResumeToken!, out _);
                return Task.CompletedTask;
            }

            public Task AbortAsync(bool keepForResume, CancellationToken cancellationToken)
            {
                if (!keepForResume)
                {
                    _store.Uploads.TryRemove(ResumeToken!, out _);
                }

                return Task.CompletedTask;
            }

            public void Dispose()
            {
            }
        }
    }
}
