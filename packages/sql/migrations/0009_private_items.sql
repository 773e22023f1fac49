-- Private images and pastes: visible to their owner only, read through presigned links.
ALTER TABLE images DROP CONSTRAINT images_visibility_check;
ALTER TABLE images ADD CONSTRAINT images_visibility_check CHECK (visibility IN ('public', 'unlisted', 'private'));
-- A private item always has an owner: no one else could ever read it.
ALTER TABLE images ADD CONSTRAINT images_private_owned CHECK (visibility <> 'private' OR owner_id IS NOT NULL);
ALTER TABLE pastes DROP CONSTRAINT pastes_visibility_check;
ALTER TABLE pastes ADD CONSTRAINT pastes_visibility_check CHECK (visibility IN ('public', 'unlisted', 'private'));
ALTER TABLE pastes ADD CONSTRAINT pastes_private_owned CHECK (visibility <> 'private' OR owner_id IS NOT NULL);

-- Share links open a paste as well as an image: exactly one of the two.
ALTER TABLE share_links ALTER COLUMN image_id DROP NOT NULL;
ALTER TABLE share_links ADD COLUMN paste_id text REFERENCES pastes (id) ON DELETE CASCADE;
ALTER TABLE share_links ADD CONSTRAINT share_links_one_target CHECK ((image_id IS NULL) <> (paste_id IS NULL));
CREATE INDEX share_links_paste ON share_links (paste_id) WHERE paste_id IS NOT NULL;
