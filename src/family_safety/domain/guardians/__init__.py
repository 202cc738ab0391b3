"""What a linked guardian sees and sets of a teen (`/v1/teens/...`), and who controls what."""
