/**
 * The node's image store: references parsed as docker does, images pulled from registries or
 * imported from tarballs into content-addressed blobs, each layer unpacked once (the read-only
 * lower layers of container rootfs overlays), and garbage collection when the disk fills.
 */
export { ImagePullError, type Image, type ImageRuntimeConfig, type ImageService, type RegistryAuth } from './image-service.ts';
export { ImageNotFoundError, LocalImageService, type LocalImageServiceOptions } from './local-image-service.ts';
export { importImagesDir, type ImagesDirResult } from './images-dir.ts';
export { garbageCollectImages, type DiskUsage, type ImageGCOptions, type ImageGCResult } from './gc.ts';
export { formatReference, parseReference, type ImageReference } from './reference.ts';
