import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { STATIC_FILES } from '../paths.js';
import type { ConsoleResponse } from './console-request.js';

/** The console's scripts and styles, from its own folder and node_modules: nothing from a CDN. */
@Controller('static')
export class StaticController {
  @Get(':file')
  file(@Param('file') file: string, @Res() res: ConsoleResponse) {
    const path = Object.hasOwn(STATIC_FILES, file) ? STATIC_FILES[file] : undefined;
    if (!path) throw new NotFoundException();
    res.sendFile(path, { maxAge: 3_600_000, dotfiles: 'deny' });
  }
}
