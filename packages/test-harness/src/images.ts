// The image fixtures live in @pictor/testing, where core's service tests reach them too.
export * from '@pictor/testing/images';
